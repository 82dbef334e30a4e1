import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { IN_CI } from './services.js';

/** Debian's Chromium: playwright-core never downloads a browser, and this machine cannot fetch one. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Headless, no sandbox (the tests run as root), and nothing that talks to the internet on its
 * own: no update checks, sync, first-run pages or QUIC probes. The only traffic is the test's.
 */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** Why browser tests cannot run here, or undefined. In CI a reason is a failure, not a skip. */
export function chromiumSkipReason(): string | undefined {
  let reason: string | undefined;
  try {
    fs.accessSync(CHROMIUM_PATH, fs.constants.X_OK);
  } catch {
    reason = `${CHROMIUM_PATH} is missing (apt-get install chromium)`;
  }
  if (reason && IN_CI) throw new Error(`cannot run the browser tests: ${reason}`);
  return reason;
}

export interface TestBrowser {
  context: BrowserContext;
  /** Closes Chromium and removes its profile directory. */
  close(): Promise<void>;
}

/** Chromium with a fresh profile in a temporary directory, so no run sees another's state. */
export async function launchChromium(): Promise<TestBrowser> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'wf-chromium-'));
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      args: CHROMIUM_ARGS,
      headless: true,
      timeout: 20_000,
    });
    return {
      context,
      async close() {
        await context.close().catch(() => undefined);
        fs.rmSync(profile, { recursive: true, force: true });
      },
    };
  } catch (error) {
    fs.rmSync(profile, { recursive: true, force: true });
    throw error;
  }
}

/** One WebSocket of a page as Chromium's network stack saw it (header names in lower case). */
export interface WireSocket {
  url: string;
  requestHeaders: Record<string, string>;
  /** HTTP status of a completed handshake (101); a refused upgrade shows up in `errors` instead. */
  status?: number;
  responseHeaders: Record<string, string>;
  /** Text frames, parsed as JSON, in the order they crossed the wire. */
  sent: unknown[];
  received: unknown[];
  /** Chromium's own words when the socket failed, e.g. "Unexpected response code: 403". */
  errors: string[];
}

type Headers = Record<string, string>;
const lowerCase = (headers: Headers): Headers =>
  Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
const parse = (payload: string): unknown => {
  try {
    return JSON.parse(payload);
  } catch {
    return payload;
  }
};

/**
 * Records the page's WebSockets through the DevTools protocol: the handshake headers Chromium
 * really sent and received, which the page itself cannot read (the `WebSocket` API hides them).
 */
export async function recordWebSockets(context: BrowserContext, page: Page): Promise<() => WireSocket[]> {
  const sockets = new Map<string, WireSocket>();
  const cdp = await context.newCDPSession(page);
  const socket = (requestId: string): WireSocket => {
    let found = sockets.get(requestId);
    if (!found) {
      found = { url: '', requestHeaders: {}, responseHeaders: {}, sent: [], received: [], errors: [] };
      sockets.set(requestId, found);
    }
    return found;
  };
  cdp.on('Network.webSocketCreated', ({ requestId, url }) => {
    socket(requestId).url = url;
  });
  cdp.on('Network.webSocketWillSendHandshakeRequest', ({ requestId, request }) => {
    socket(requestId).requestHeaders = lowerCase(request.headers as Headers);
  });
  cdp.on('Network.webSocketHandshakeResponseReceived', ({ requestId, response }) => {
    const entry = socket(requestId);
    entry.status = response.status;
    entry.responseHeaders = lowerCase(response.headers as Headers);
  });
  cdp.on('Network.webSocketFrameSent', ({ requestId, response }) => {
    socket(requestId).sent.push(parse(response.payloadData));
  });
  cdp.on('Network.webSocketFrameReceived', ({ requestId, response }) => {
    socket(requestId).received.push(parse(response.payloadData));
  });
  cdp.on('Network.webSocketFrameError', ({ requestId, errorMessage }) => {
    socket(requestId).errors.push(errorMessage);
  });
  await cdp.send('Network.enable');
  return () => [...sockets.values()];
}
