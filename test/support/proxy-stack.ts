import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { authApiEntry, gatewayEntry } from '../faults/support/entry-points.js';
import { ManagedProcess } from '../faults/support/managed-process.js';
import { ADMIN_PASSWORD } from './auth-api.js';
import { createTestDatabase, type TestDatabase } from './db.js';
import { freePort } from './free-port.js';
import { renderNginxTemplate, type RunningNginx, startNginx } from './proxy-nginx.js';
import { createTestRedis, type TestRedis } from './redis.js';
import { createTestCa, type TestCa } from './test-ca.js';

/** The address the test's client connects from: not nginx's, so a log can tell them apart. */
export const CLIENT_IP = '127.0.0.5';

/** One service process behind the proxy, and every log line it wrote. */
export interface ProxiedService {
  name: string;
  process: ManagedProcess;
  /** Its own plain-HTTP address (what nginx connects to). */
  url: string;
  lines: string[];
}

export interface ProxyStack {
  /** https://127.0.0.1:<port>: the only address a client uses. */
  publicUrl: string;
  wsUrl: string;
  ca: Buffer;
  /** The CA certificate's file (for NODE_EXTRA_CA_CERTS). */
  caFile: string;
  /** The auth-apis' database (a program that mints enrollment keys, like npm start, needs it). */
  databaseUrl: string;
  /** A temporary folder removed by close(). */
  dir: string;
  apis: ProxiedService[];
  gateways: ProxiedService[];
  nginx: RunningNginx;
  close(): Promise<void>;
}

function minimalEnv(extra: Record<string, string>): Record<string, string> {
  // Only what a service needs: nothing from the test's own environment leaks into its config.
  const keep = ['PATH', 'HOME', 'LANG', 'TMPDIR'];
  const base = Object.fromEntries(
    keep.flatMap((key) => (process.env[key] ? [[key, process.env[key]!]] : [])),
  );
  return { ...base, ...extra };
}

async function startService(
  name: string,
  args: string[],
  env: Record<string, string>,
  url: string,
  logDir: string,
): Promise<ProxiedService> {
  const lines: string[] = [];
  const managed = new ManagedProcess(
    {
      name,
      args,
      env: minimalEnv(env),
      logFile: path.join(logDir, `${name}.log`),
      healthUrl: `${url}/readyz`,
      onLine: (line) => lines.push(line),
    },
    () => undefined,
  );
  await managed.start(90_000);
  return { name, process: managed, url, lines };
}

/**
 * Two auth-apis (one database, one Redis prefix, one keys folder) and two gateways (the same
 * prefix), each its own process started from its real entry point with the environment a
 * deployment gives it, behind a private nginx running infra/nginx/wirefleet.conf.template with
 * certificates from a test CA. The auth-apis trust X-Forwarded-For from nginx's address only.
 */
export async function startProxyStack(nginxBin: string): Promise<ProxyStack> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wf-proxy-'));
  const cleanups: Array<() => Promise<void> | void> = [
    () => fs.rmSync(dir, { recursive: true, force: true }),
  ];
  const close = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  };
  try {
    const ca: TestCa = createTestCa();
    cleanups.push(() => ca.cleanup());
    const cert = ca.issue('proxy');
    const db: TestDatabase = await createTestDatabase();
    cleanups.push(() => db.drop());
    const redis: TestRedis = await createTestRedis();
    cleanups.push(() => redis.cleanup());
    const [proxyPort, ...ports] = await Promise.all([0, 1, 2, 3, 4].map(() => freePort()));
    const publicUrl = `https://127.0.0.1:${proxyPort}`;
    const shared = { REDIS_URL: redis.url, REDIS_KEY_PREFIX: redis.prefix, LOG_LEVEL: 'debug' };

    const apis: ProxiedService[] = [];
    const gateways: ProxiedService[] = [];
    cleanups.push(async () => {
      await Promise.all([...gateways, ...apis].map((service) => service.process.stop()));
    });
    const apiEnv = {
      ...shared,
      AUTH_API_HOST: '127.0.0.1',
      DATABASE_URL: db.url,
      DATA_DIR: path.join(dir, 'data'),
      JWT_KEYS_DIR: path.join(dir, 'keys'),
      DATA_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      AUTH_PUBLIC_URL: publicUrl,
      GATEWAY_PUBLIC_URL: `wss://127.0.0.1:${proxyPort}/ws`,
      // nginx connects from 127.0.0.1; the client from CLIENT_IP. Only the first is believed.
      TRUST_PROXY: '127.0.0.1',
      ADMIN_PASSWORD,
      ARGON2_MEMORY_KIB: '1024',
      ARGON2_ITERATIONS: '1',
    };
    // One after the other: the first creates the signing keys the second then reads.
    for (const [i, port] of [ports[0]!, ports[1]!].entries()) {
      const url = `http://127.0.0.1:${port}`;
      apis.push(
        await startService(
          `auth-api-${i + 1}`,
          authApiEntry().args,
          { ...apiEnv, AUTH_API_PORT: String(port) },
          url,
          dir,
        ),
      );
    }
    for (const [i, port] of [ports[2]!, ports[3]!].entries()) {
      const url = `http://127.0.0.1:${port}`;
      const env = {
        ...shared,
        LOG_LEVEL: 'info',
        GATEWAY_HOST: '127.0.0.1',
        GATEWAY_PORT: String(port),
        GATEWAY_INSTANCE_ID: `gateway-${i + 1}`,
        AUTH_JWKS_URL: `${apis[0]!.url}/.well-known/jwks.json`,
        AUTH_ISSUER: publicUrl,
        ALLOWED_ORIGINS: publicUrl,
      };
      gateways.push(await startService(`gateway-${i + 1}`, gatewayEntry().args, env, url, dir));
    }

    const servers = (list: ProxiedService[]) =>
      list.map((service) => `server ${new URL(service.url).host};`).join(' ');
    const nginxDir = path.join(dir, 'nginx');
    fs.mkdirSync(nginxDir);
    const nginx = await startNginx({
      bin: nginxBin,
      dir: nginxDir,
      port: proxyPort!,
      site: renderNginxTemplate({
        WIREFLEET_LISTEN: `127.0.0.1:${proxyPort}`,
        WIREFLEET_SERVER_NAME: 'localhost',
        WIREFLEET_TLS_CERT: cert.certFile,
        WIREFLEET_TLS_KEY: cert.keyFile,
        WIREFLEET_API_SERVERS: servers(apis),
        WIREFLEET_GATEWAY_SERVERS: servers(gateways),
        WIREFLEET_ACCESS_LOG: path.join(nginxDir, 'access.log'),
      }),
    });
    cleanups.push(() => nginx.stop());
    return {
      publicUrl,
      wsUrl: `wss://127.0.0.1:${proxyPort}/ws`,
      ca: fs.readFileSync(ca.caFile),
      caFile: ca.caFile,
      databaseUrl: db.url,
      dir,
      apis,
      gateways,
      nginx,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** How many WebSocket connections a gateway holds now, from its own /metrics. */
export async function gatewayConnections(gateway: ProxiedService): Promise<number> {
  const text = await (await fetch(`${gateway.url}/metrics`)).text();
  const match = /^wirefleet_gateway_connections (\d+)/m.exec(text);
  if (!match) throw new Error(`${gateway.name} /metrics has no wirefleet_gateway_connections`);
  return Number(match[1]);
}
