import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { CloseInfo, WelcomeFrame } from '@wirefleet/shared/client';
import type { EventFrame } from '@wirefleet/shared/protocol';
import { build } from 'esbuild';
import type { BrowserContext, Page } from 'playwright-core';

const CLIENT_ENTRY = fileURLToPath(new URL('../../shared/src/client/index.ts', import.meta.url));

/** Name of the page's token provider, which Node answers (see {@link openClientPage}). */
const TOKEN_BINDING = 'wfToken';

let bundled: Promise<string> | undefined;

/**
 * The client as an application would ship it: the library's public entry point bundled for
 * `platform: 'browser'`, so a Node built-in creeping into the client fails the build here.
 */
export function bundleClient(): Promise<string> {
  bundled ??= build({
    entryPoints: [CLIENT_ENTRY],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  }).then((result) => result.outputFiles[0]!.text);
  return bundled;
}

/**
 * The page: no WebSocketImpl is passed, so the client takes the browser's global `WebSocket`
 * (as a browser application would). Everything the client reports is kept in `record` for the
 * test to read; the token provider is a Node function exposed to the page.
 */
const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>realtime client</title>
<script type="module">
import { RealtimeClient } from '/client.js';
const record = { opens: 0, welcomes: [], events: [], closes: [], errors: [], states: [] };
let client;
window.harness = {
  start({ url, room, backoff }) {
    client = new RealtimeClient({ url, backoff, token: (request) => window.${TOKEN_BINDING}(request) });
    client.on('open', () => { record.opens += 1; });
    client.on('welcome', (frame) => record.welcomes.push(frame));
    client.on('close', (info) => record.closes.push(info));
    client.on('error', (error) => record.errors.push({ code: error.code, message: error.message }));
    client.on('state', ({ state }) => record.states.push(state));
    client.subscribe(room, (event) => record.events.push(event));
    client.start();
  },
  record: () => ({ ...record, state: client ? client.state : 'none' }),
  stop: () => client.stop(),
};
</script>`;

export interface ClientPageServer {
  /** e.g. `http://127.0.0.1:41234`: what Chromium sends as `Origin` from this server's page. */
  origin: string;
  close(): Promise<void>;
}

/** Serves the page and the bundle on 127.0.0.1, port 0. Each server is an origin of its own. */
export async function startClientPageServer(): Promise<ClientPageServer> {
  const script = await bundleClient();
  const server = http.createServer((req, res) => {
    const [type, body] =
      req.url === '/'
        ? ['text/html; charset=utf-8', PAGE]
        : req.url === '/client.js'
          ? ['text/javascript; charset=utf-8', script]
          : [undefined, 'not found'];
    res.writeHead(type ? 200 : 404, { 'content-type': type ?? 'text/plain', 'cache-control': 'no-store' });
    res.end(body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** What the page's client reported, as plain data. */
export interface ClientRecord {
  opens: number;
  welcomes: WelcomeFrame[];
  events: EventFrame[];
  closes: CloseInfo[];
  errors: Array<{ code: string; message: string }>;
  states: string[];
  state: string;
}

export interface ClientPage {
  page: Page;
  start(options: { url: string; room: string; backoff?: object }): Promise<void>;
  record(): Promise<ClientRecord>;
  stop(): Promise<void>;
}

interface HarnessGlobal {
  harness: {
    start(options: { url: string; room: string; backoff?: object }): void;
    record(): ClientRecord;
    stop(): Promise<void>;
  };
}

/** Opens the server's page in a new tab; `token` answers the page client's token provider. */
export async function openClientPage(
  context: BrowserContext,
  server: ClientPageServer,
  token: (request: { forceRefresh: boolean }) => Promise<string>,
): Promise<ClientPage> {
  const page = await context.newPage();
  await page.exposeFunction(TOKEN_BINDING, token);
  await page.goto(`${server.origin}/`);
  // A bundle that fails to load or run never defines the harness.
  await page.waitForFunction(() => 'harness' in globalThis, undefined, { timeout: 5_000 });
  // These functions run in the page (Playwright sends their source), so they name nothing from here.
  return {
    page,
    start: (options) =>
      page.evaluate((options) => (globalThis as unknown as HarnessGlobal).harness.start(options), options),
    record: () => page.evaluate(() => (globalThis as unknown as HarnessGlobal).harness.record()),
    stop: () => page.evaluate(() => (globalThis as unknown as HarnessGlobal).harness.stop()),
  };
}
