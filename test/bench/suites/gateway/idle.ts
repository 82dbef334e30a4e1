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
  /**
   * RSS growth per connection, KiB, once the server has been idle long enough for V8's memory
   * reducer to run (see settledRss), and the part of it that is V8 heap (JavaScript objects).
   */
  perConnectionKiB: number;
  heapPerConnectionKiB: number;
  /** The same right after the burst (after a full GC): V8's spaces still at their burst size. */
  burstPerConnectionKiB: number;
  baseRssKiB: number;
  loadedRssKiB: number;
  settledRssKiB: number;
  settledAfterSeconds: number;
  closedByServer: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Memory {
  rssKiB: number;
  /** V8 heap in use after the GC (JavaScript objects), KiB. */
  heapKiB: number;
}

/**
 * V8 keeps the young generation and old-space pages at the size a burst grew them to until its
 * memory reducer runs, on its own some 25–35 s after allocation calms down (seen here), then
 * compacts and gives the pages back. Waits at least `minMs` for that, then until RSS stops
 * moving (5 readings a second apart within 0.5 %), at most `maxMs`.
 */
async function settledRss(pid: number, minMs: number, maxMs: number): Promise<{ rssKiB: number; seconds: number }> {
  const started = Date.now();
  const readings: number[] = [];
  while (Date.now() - started < maxMs) {
    await sleep(1_000);
    readings.push(readMemory(pid).rssKiB);
    const last = readings.slice(-5);
    const spread = (Math.max(...last) - Math.min(...last)) / Math.max(...last);
    if (Date.now() - started >= minMs && last.length === 5 && spread < 0.005) break;
  }
  return { rssKiB: readings.at(-1) ?? readMemory(pid).rssKiB, seconds: (Date.now() - started) / 1000 };
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
    ctx.progress(`${options.label}: waiting for RSS to settle`);
    const settled = await settledRss(server.pid, ctx.scale(40_000, 10_000), ctx.scale(75_000, 20_000));
    const afterwards = await settledMemory(server, 0);
    const snapshot = await env.pool.snapshot();
    return {
      open: opened.open,
      upgradesPerSecond: opened.open / opened.seconds,
      perConnectionKiB: (settled.rssKiB - base.rssKiB) / opened.open,
      heapPerConnectionKiB: (afterwards.heapKiB - base.heapKiB) / opened.open,
      burstPerConnectionKiB: (loaded.rssKiB - base.rssKiB) / opened.open,
      baseRssKiB: base.rssKiB,
      loadedRssKiB: loaded.rssKiB,
      settledRssKiB: settled.rssKiB,
      settledAfterSeconds: settled.seconds,
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
    `right after the burst (${run.burstPerConnectionKiB.toFixed(2)} KiB/connection), ` +
    `${mib(run.settledRssKiB)} MiB settled ${run.settledAfterSeconds.toFixed(0)} s later ` +
    `(${run.perConnectionKiB.toFixed(2)} KiB/connection, ${run.heapPerConnectionKiB.toFixed(2)} of it V8 heap), ` +
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
      metric: `RSS per idle authenticated connection (${all} on one gateway), settled`,
      value: gateway.perConnectionKiB,
      unit: 'KiB',
      baseline: { label: 'bare uWS.js, same count, settled', value: bare.perConnectionKiB },
      goal: '≤ 4 KiB',
      met: gateway.perConnectionKiB <= 4 && gateway.open === count && gateway.closedByServer === 0,
      notes,
    },
    {
      metric: `RSS per idle authenticated connection (${all}), right after the burst (full GC, V8 spaces at burst size)`,
      value: gateway.burstPerConnectionKiB,
      unit: 'KiB',
      baseline: { label: 'bare uWS.js, same moment', value: bare.burstPerConnectionKiB },
      goal: '≤ 4 KiB',
      met: gateway.burstPerConnectionKiB <= 4 && gateway.open === count && gateway.closedByServer === 0,
    },
    {
      metric: `RSS per idle connection, Socket.IO 4 (${all}), settled`,
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
