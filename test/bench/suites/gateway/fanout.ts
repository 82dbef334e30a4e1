import type { WorkerTarget } from '../../support/gateway-client-protocol.js';
import {
  busPublisher,
  pace,
  type Publisher,
  relayPublisher,
  socketIoPublisher,
} from '../../support/gateway-publishers.js';
import {
  type RelayMode,
  type ServerChild,
  startRelayChild,
  startSocketIoChild,
} from '../../support/gateway-servers.js';
import { processCpuSeconds } from '../../support/procfs.js';
import type { BenchContext } from '../../types.js';
import { type GatewayBenchEnv, ROOM } from './bench-env.js';

/** One server kind as the fan-out measurement drives it. */
export interface FanoutSubject {
  label: string;
  start(env: GatewayBenchEnv): Promise<ServerChild>;
  publisher(env: GatewayBenchEnv): Publisher;
  target(server: ServerChild): WorkerTarget;
  /** Whether clients need bearer tokens (the gateway). */
  tokens: boolean;
}

export function gatewaySubject(): FanoutSubject {
  return {
    label: 'Wirefleet gateway',
    start: (env) => env.startGateway('gw-bench-fanout'),
    publisher: (env) => busPublisher({ redisUrl: env.redis.url, prefix: env.redis.prefix, room: ROOM }),
    target: (server) => ({ host: server.host, port: server.port, path: '/ws', protocol: 'wirefleet', room: ROOM }),
    tokens: true,
  };
}

export function relaySubject(mode: RelayMode, label: string): FanoutSubject {
  const channel = (env: GatewayBenchEnv) => `${env.redis.prefix}relay`;
  return {
    label,
    start: (env) => startRelayChild({ redisUrl: env.redis.url, channel: channel(env), topic: ROOM, mode }),
    publisher: (env) => relayPublisher({ redisUrl: env.redis.url, channel: channel(env), room: ROOM }),
    target: (server) => ({ host: server.host, port: server.port, path: '/ws', protocol: 'uws' }),
    tokens: false,
  };
}

export function socketIoSubject(): FanoutSubject {
  const key = (env: GatewayBenchEnv) => `${env.redis.prefix}sio`;
  return {
    label: 'Socket.IO 4 + redis-adapter',
    start: (env) => startSocketIoChild({ redisUrl: env.redis.url, key: key(env), room: ROOM }),
    publisher: (env) => socketIoPublisher({ redisUrl: env.redis.url, key: key(env), room: ROOM }),
    target: (server) => ({
      host: server.host,
      port: server.port,
      path: '/socket.io/?EIO=4&transport=websocket',
      protocol: 'socketio',
    }),
    tokens: false,
  };
}

export interface FanoutRun {
  /** Server CPU (user + system) per delivered message, µs. */
  cpuMicros: number;
  deliveriesPerSecond: number;
  /** Deliveries in the window ÷ (messages published in the window × subscribers). */
  deliveredShare: number;
  /** Cores the server used on average over the window. */
  serverCores: number;
  /** Cores the client worker processes used (the generator must not be the bottleneck). */
  clientCores: number;
  closedByServer: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts the server, connects `subscribers` clients to the room, publishes at `perSecond`,
 * and over a window after a warm-up divides the server's CPU time (/proc/<pid>/stat) by the
 * event frames the clients counted.
 */
export async function runFanout(
  ctx: BenchContext,
  env: GatewayBenchEnv,
  subject: FanoutSubject,
  perSecond: number,
  subscribers: number,
): Promise<FanoutRun> {
  const warmupMs = ctx.scale(2_000, 1_000);
  const windowMs = ctx.scale(5_000, 2_000);
  const server = await subject.start(env);
  const publisher = subject.publisher(env);
  try {
    const opened = await env.pool.open({
      target: subject.target(server),
      count: subscribers,
      ...(subject.tokens ? { tokens: env.viewerTokens(subscribers) } : {}),
      mode: 'count',
      concurrency: 50,
    });
    if (opened.open !== subscribers) {
      throw new Error(
        `${subject.label}: ${opened.open}/${subscribers} subscribers connected (${JSON.stringify(opened.refused)}; ${opened.errors.join('; ')})`,
      );
    }
    const pacer = pace(publisher, perSecond, warmupMs + windowMs + 5_000);
    try {
      await sleep(warmupMs);
      const before = { snap: await env.pool.snapshot(), cpu: processCpuSeconds(server.pid), sent: pacer.sent };
      const clientsBefore = env.pool.pids.reduce((sum, pid) => sum + processCpuSeconds(pid), 0);
      const started = performance.now();
      await sleep(windowMs);
      const after = { snap: await env.pool.snapshot(), cpu: processCpuSeconds(server.pid), sent: pacer.sent };
      const clientsAfter = env.pool.pids.reduce((sum, pid) => sum + processCpuSeconds(pid), 0);
      const seconds = (performance.now() - started) / 1000;
      const deliveries = after.snap.frames - before.snap.frames;
      if (deliveries <= 0) throw new Error(`${subject.label}: no deliveries in the window`);
      if (pacer.failed > 0) ctx.progress(`${subject.label}: ${pacer.failed} publishes failed`);
      return {
        cpuMicros: ((after.cpu - before.cpu) / deliveries) * 1e6,
        deliveriesPerSecond: deliveries / seconds,
        deliveredShare: deliveries / ((after.sent - before.sent) * subscribers),
        serverCores: (after.cpu - before.cpu) / seconds,
        clientCores: (clientsAfter - clientsBefore) / seconds,
        closedByServer: after.snap.closed,
      };
    } finally {
      await pacer.stop();
    }
  } finally {
    await env.pool.reset().catch(() => undefined);
    await publisher.close().catch(() => undefined);
    await server.stop();
  }
}

export function describeRun(label: string, run: FanoutRun): string {
  return (
    `${label}: ${Math.round(run.deliveriesPerSecond).toLocaleString('en-US')} deliveries/s ` +
    `(${(run.deliveredShare * 100).toFixed(0)}% of what was published in the window × subscribers), ` +
    `server ${run.serverCores.toFixed(2)} cores, clients ${run.clientCores.toFixed(2)} cores` +
    (run.closedByServer > 0 ? `, ${run.closedByServer} clients closed by the server` : '')
  );
}
