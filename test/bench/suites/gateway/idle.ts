import {
  GC_ON_SIGNAL,
  type ServerChild,
  startRelayChild,
  startSocketIoChild,
} from '../../support/gateway-servers.js';
import { childNofile } from '../../support/child-service.js';
import type { WorkerTarget } from '../../support/gateway-client-protocol.js';
import { readMemory } from '../../support/procfs.js';
import type { BenchContext, BenchResult } from '../../types.js';
import { type GatewayBenchEnv, ROOM } from './bench-env.js';

interface IdleRun {
  open: number;
  upgradesPerSecond: number;
  /** RSS growth per connection, KiB, and the part of it that is V8 heap (JavaScript objects). */
  perConnectionKiB: number;
  heapPerConnectionKiB: number;
  baseRssKiB: number;
  loadedRssKiB: number;
  closedByServer: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Memory {
  rssKiB: number;
  /** V8 heap in use after the GC (JavaScript objects), KiB. */
  heapKiB: number;
}

/** RSS and JS heap after a full GC (the servers run with GC_ON_SIGNAL) and a moment to settle. */
async function settledMemory(server: ServerChild, settleMs: number): Promise<Memory> {
  await sleep(settleMs);
  server.child.process.kill('SIGUSR2');
  await sleep(500);
  const printed = server.child
    .tail()
    .split('\n')
    .filter((line) => line.startsWith('bench-memory '))
    .pop();
  const heapUsed = printed
    ? (JSON.parse(printed.slice('bench-memory '.length)) as { heapUsed: number }).heapUsed
    : 0;
  return { rssKiB: readMemory(server.pid).rssKiB, heapKiB: heapUsed / 1024 };
}

/**
 * Opens `count` clients as fast as the server takes them (upgrades/s, counted until each
 * client is ready: 101 plus the protocol's greeting), leaves them idle, and divides the
 * server's RSS growth by the connections.
 */
async function measureIdle(
  ctx: BenchContext,
  env: GatewayBenchEnv,
  options: { label: string; server: ServerChild; target: WorkerTarget; count: number; tokens?: string[] },
): Promise<IdleRun> {
  const { server } = options;
  try {
    const base = await settledMemory(server, 1_000);
    ctx.progress(`${options.label}: opening ${options.count} idle connections`);
    const opened = await env.pool.open({
      target: options.target,
      count: options.count,
      ...(options.tokens ? { tokens: options.tokens } : {}),
      mode: 'idle',
      concurrency: 64,
      addresses: 8,
    });
    if (opened.open < options.count) {
      ctx.progress(
        `${options.label}: only ${opened.open} opened: ${JSON.stringify(opened.refused)} ${opened.errors.join('; ')}`,
      );
    }
    if (opened.open === 0) throw new Error(`${options.label}: no connection opened`);
    const loaded = await settledMemory(server, ctx.scale(3_000, 1_000));
    const snapshot = await env.pool.snapshot();
    return {
      open: opened.open,
      upgradesPerSecond: opened.open / opened.seconds,
      perConnectionKiB: (loaded.rssKiB - base.rssKiB) / opened.open,
      heapPerConnectionKiB: (loaded.heapKiB - base.heapKiB) / opened.open,
      baseRssKiB: base.rssKiB,
      loadedRssKiB: loaded.rssKiB,
      closedByServer: snapshot.closed,
    };
  } finally {
    await env.pool.reset().catch(() => undefined);
    await server.stop();
  }
}

function describe(label: string, run: IdleRun): string {
  const mib = (kib: number) => (kib / 1024).toFixed(0);
  return (
    `${label}: ${run.open.toLocaleString('en-US')} open, RSS ${mib(run.baseRssKiB)} → ${mib(run.loadedRssKiB)} MiB ` +
    `(${run.heapPerConnectionKiB.toFixed(2)} KiB/connection of it V8 heap), ` +
    `${Math.round(run.upgradesPerSecond).toLocaleString('en-US')} upgrades/s` +
    (run.closedByServer > 0 ? `, ${run.closedByServer} closed by the server` : '')
  );
}

export async function measureIdleConnections(
  ctx: BenchContext,
  env: GatewayBenchEnv,
): Promise<BenchResult[]> {
  // One descriptor per connection plus the server's own (listen socket, Redis, stdio, epoll):
  // where the open-files limit cannot be raised to fit 20,000, take what fits and say so.
  const limit = childNofile();
  const count = Math.min(ctx.scale(20_000, 2_000), limit - 100);
  if (count < ctx.scale(20_000, 2_000))
    ctx.progress(`open-files limit ${limit}: measuring ${count} connections`);
  const redisUrl = env.redis.url;
  // Minted before the clock starts, each for its own user, as the auth-api would issue them.
  ctx.progress(`minting ${count} access tokens`);
  const tokens = env.viewerTokens(count);

  const gatewayServer = await env.startGateway('gw-bench-idle', GC_ON_SIGNAL);
  const gateway = await measureIdle(ctx, env, {
    label: 'gateway',
    server: gatewayServer,
    target: { host: gatewayServer.host, port: gatewayServer.port, path: '/ws', protocol: 'wirefleet' },
    count,
    tokens,
  });

  const relayServer = await startRelayChild({
    redisUrl,
    channel: `${env.redis.prefix}idle`,
    topic: ROOM,
    mode: 'direct',
    nodeArgs: GC_ON_SIGNAL,
  });
  const bare = await measureIdle(ctx, env, {
    label: 'bare uWS',
    server: relayServer,
    target: { host: relayServer.host, port: relayServer.port, path: '/ws', protocol: 'uws' },
    count,
  });

  const sioServer = await startSocketIoChild({
    redisUrl,
    key: `${env.redis.prefix}sio-idle`,
    room: ROOM,
    nodeArgs: GC_ON_SIGNAL,
  });
  const socketIo = await measureIdle(ctx, env, {
    label: 'Socket.IO',
    server: sioServer,
    target: {
      host: sioServer.host,
      port: sioServer.port,
      path: '/socket.io/?EIO=4&transport=websocket',
      protocol: 'socketio',
    },
    count,
  });

  const notes = [
    describe('gateway', gateway),
    describe('bare uWS', bare),
    describe('Socket.IO 4', socketIo),
  ].join('; ');
  const all = `${count.toLocaleString('en-US')}`;
  return [
    {
      metric: `RSS per idle authenticated connection (${all} on one gateway)`,
      value: gateway.perConnectionKiB,
      unit: 'KiB',
      baseline: { label: 'bare uWS.js, same count', value: bare.perConnectionKiB },
      goal: '≤ 4 KiB',
      met: gateway.perConnectionKiB <= 4 && gateway.open === count && gateway.closedByServer === 0,
      notes,
    },
    {
      metric: `RSS per idle connection, Socket.IO 4 (${all})`,
      value: socketIo.perConnectionKiB,
      unit: 'KiB',
      baseline: { label: 'bare uWS.js, same count', value: bare.perConnectionKiB },
    },
    {
      metric: `Upgrades per second with fresh tokens (${all}, ES256 verify each)`,
      value: gateway.upgradesPerSecond,
      unit: 'upgrades/s',
      baseline: { label: 'bare uWS.js, no auth', value: bare.upgradesPerSecond },
      goal: '≥ 5,000/s',
      met: gateway.upgradesPerSecond >= 5_000 && gateway.open === count,
    },
  ];
}
