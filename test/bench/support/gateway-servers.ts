import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, freePort } from './child-service.js';
import { type Child, spawnNode, waitHealthy } from './gateway-children.js';

export interface ServerChild {
  child: Child;
  pid: number;
  host: string;
  port: number;
  stop(): Promise<void>;
}

const TSX = ['--conditions=source', '--import', 'tsx'];

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
      newest = Math.max(newest, fs.statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
    }
  }
  return newest;
}

/**
 * How to run the gateway: the built `gateway-service/dist/main.js` (what production runs) when
 * `npm run build` output is newer than every source file of the gateway and of shared (which the
 * dist build imports from shared/dist); otherwise from source through tsx, and the report says so.
 */
export function gatewayEntry(): { args: string[]; label: string } {
  // tsc -b rewrites dist/.tsbuildinfo on every build of a workspace.
  const fresh = ['gateway-service', 'shared'].every((workspace) => {
    const info = path.join(REPO_ROOT, workspace, 'dist', '.tsbuildinfo');
    return fs.existsSync(info) && fs.statSync(info).mtimeMs >= newestMtime(path.join(REPO_ROOT, workspace, 'src'));
  });
  if (fresh && fs.existsSync(path.join(REPO_ROOT, 'gateway-service', 'dist', 'main.js'))) {
    return { args: ['gateway-service/dist/main.js'], label: 'the built gateway-service/dist/main.js' };
  }
  return {
    args: [...TSX, 'gateway-service/src/main.ts'],
    label: 'gateway-service/src/main.ts through tsx (dist was missing or older than the sources)',
  };
}

async function started(child: Child, port: number, readyPath: string): Promise<ServerChild> {
  try {
    await waitHealthy(child, `http://127.0.0.1:${port}${readyPath}`);
  } catch (error) {
    await child.stop();
    throw error;
  }
  return { child, pid: child.pid, host: '127.0.0.1', port, stop: () => child.stop() };
}

export async function startGatewayChild(options: {
  redisUrl: string;
  prefix: string;
  jwksFile: string;
  issuer: string;
  instanceId: string;
}): Promise<ServerChild> {
  const port = await freePort();
  const child = spawnNode({
    args: gatewayEntry().args,
    env: {
      GATEWAY_HOST: '127.0.0.1',
      GATEWAY_PORT: String(port),
      REDIS_URL: options.redisUrl,
      REDIS_KEY_PREFIX: options.prefix,
      AUTH_JWKS_FILE: options.jwksFile,
      AUTH_ISSUER: options.issuer,
      // Every bench client is its own user; the cap stays out of the way regardless.
      GATEWAY_MAX_CONNECTIONS_PER_USER: '100000',
      GATEWAY_INSTANCE_ID: options.instanceId,
      LOG_LEVEL: 'info',
    },
  });
  // /readyz: listening and the Bus reaches Redis.
  return started(child, port, '/readyz');
}

export type RelayMode = 'direct' | 'immediate' | 'send';

export async function startRelayChild(options: {
  redisUrl: string;
  channel: string;
  topic: string;
  mode: RelayMode;
}): Promise<ServerChild> {
  const port = await freePort();
  const child = spawnNode({
    args: [...TSX, 'test/bench/support/gateway-uws-relay.ts'],
    env: {
      BENCH_PORT: String(port),
      REDIS_URL: options.redisUrl,
      RELAY_CHANNEL: options.channel,
      RELAY_TOPIC: options.topic,
      RELAY_MODE: options.mode,
    },
  });
  return started(child, port, '/healthz');
}

export async function startSocketIoChild(options: {
  redisUrl: string;
  key: string;
  room: string;
}): Promise<ServerChild> {
  const port = await freePort();
  const child = spawnNode({
    args: [...TSX, 'test/bench/support/gateway-socketio-server.ts'],
    env: { BENCH_PORT: String(port), REDIS_URL: options.redisUrl, SIO_KEY: options.key, SIO_ROOM: options.room },
  });
  return started(child, port, '/healthz');
}
