import fs from 'node:fs';
import path from 'node:path';
import { type Child, freePort, REPO_ROOT, spawnNode, waitHealthy } from './child-service.js';

export interface ServerChild {
  child: Child;
  pid: number;
  host: string;
  port: number;
  stop(): Promise<void>;
}

const TSX = ['--conditions=source', '--import', 'tsx'];

/**
 * How to run the gateway: the built `gateway-service/dist/main.js`, as production does (run.ts
 * runs `npm run build` before any suite). `BENCH_GATEWAY_ENTRY=<file.js>` runs another build
 * instead, e.g. a copy with a proposed change, for an A/B against the same baselines.
 */
export function gatewayEntry(): { args: string[]; label: string } {
  const override = process.env.BENCH_GATEWAY_ENTRY;
  if (override) return { args: [override], label: `${override} (BENCH_GATEWAY_ENTRY)` };
  if (fs.existsSync(path.join(REPO_ROOT, 'gateway-service', 'dist', 'main.js'))) {
    return { args: ['gateway-service/dist/main.js'], label: 'the built gateway-service/dist/main.js' };
  }
  return {
    args: [...TSX, 'gateway-service/src/main.ts'],
    label: 'gateway-service/src/main.ts through tsx (no build found)',
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
  nodeArgs?: string[];
  /** More gateway settings (e.g. GATEWAY_WRITE_DELAY_MS) for a variant. */
  env?: Record<string, string>;
}): Promise<ServerChild> {
  const port = await freePort();
  const child = spawnNode({
    args: [...(options.nodeArgs ?? []), ...gatewayEntry().args],
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
      ...options.env,
    },
  });
  // /readyz: listening and the Bus reaches Redis.
  return started(child, port, '/readyz');
}

/**
 * Node flags that let the bench ask a server for a full garbage collection (SIGUSR2) before
 * reading its RSS, so garbage left by the connection burst is not counted per connection. The
 * server then prints its heap figures (`bench-memory {...}`) to stderr, which tells JavaScript
 * objects from native memory (uWS sockets, buffers).
 */
export const GC_ON_SIGNAL = [
  '--expose-gc',
  '--import',
  `data:text/javascript,${encodeURIComponent(
    "process.on('SIGUSR2', () => { globalThis.gc(); process.stderr.write('bench-memory ' + JSON.stringify(process.memoryUsage()) + '\\n'); });",
  )}`,
];

export type RelayMode = 'direct' | 'immediate' | 'send';

export async function startRelayChild(options: {
  redisUrl: string;
  channel: string;
  topic: string;
  mode: RelayMode;
  nodeArgs?: string[];
}): Promise<ServerChild> {
  const port = await freePort();
  const child = spawnNode({
    args: [...(options.nodeArgs ?? []), ...TSX, 'test/bench/support/gateway-uws-relay.ts'],
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
  nodeArgs?: string[];
}): Promise<ServerChild> {
  const port = await freePort();
  const child = spawnNode({
    args: [...(options.nodeArgs ?? []), ...TSX, 'test/bench/support/gateway-socketio-server.ts'],
    env: {
      BENCH_PORT: String(port),
      REDIS_URL: options.redisUrl,
      SIO_KEY: options.key,
      SIO_ROOM: options.room,
    },
  });
  return started(child, port, '/healthz');
}
