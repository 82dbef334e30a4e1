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
import { cpuSplit, machineCpu } from '../../support/gateway-proc.js';
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
  /** What the server reports of itself at the end of a window, in words (the gateway: /metrics). */
  probe?(server: ServerChild): Promise<string>;
}

/** The gateway's write-coalescing state, read from its /metrics. */
async function coalescingState(server: ServerChild): Promise<string> {
  const text = await (await fetch(`http://${server.host}:${server.port}/metrics`)).text();
  const value = (name: string) => text.match(new RegExp(`^${name} (\\S+)$`, 'm'))?.[1] ?? '?';
  const rate = Math.round(Number(value('wirefleet_gateway_deliveries_per_second'))).toLocaleString('en-US');
  return `events waited ${value('wirefleet_gateway_write_delay_ms')} ms for a shared write at the end of the window (${rate} deliveries/s over the last second)`;
}

/** The gateway as it ships, or with more settings (a variant such as a write delay). */
export function gatewaySubject(
  gatewayEnv?: Record<string, string>,
  label = 'Wirefleet gateway',
): FanoutSubject {
  return {
    label,
    start: (env) => env.startGateway('gw-bench-fanout', undefined, gatewayEnv),
    publisher: (env) => busPublisher({ redisUrl: env.redis.url, prefix: env.redis.prefix, room: ROOM }),
    target: (server) => ({
      host: server.host,
      port: server.port,
      path: '/ws',
      protocol: 'wirefleet',
      room: ROOM,
    }),
    tokens: true,
    probe: coalescingState,
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
  perSecond: number;
  /** Server CPU (user + system) per delivered message, µs; and its user and system parts. */
  cpuMicros: number;
  userMicros: number;
  systemMicros: number;
  deliveriesPerSecond: number;
  /** Deliveries in the window ÷ (messages published in the window × subscribers). */
  deliveredShare: number;
  /** Cores used on average over the window: the server, the client workers, the rest of the machine. */
  serverCores: number;
  clientCores: number;
  otherCores: number;
  /** Loopback TCP in softirq, charged to no process (part of `otherCores`). */
  softirqCores: number;
  closedByServer: number;
  /** The subject's probe, if it has one. */
  probed?: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function reading(server: ServerChild, pool: GatewayBenchEnv['pool']) {
  const self = process.cpuUsage();
  return {
    server: cpuSplit(server.pid),
    clients: pool.pids.reduce((sum, pid) => sum + processCpuSeconds(pid), 0),
    self: (self.user + self.system) / 1e6,
    machine: machineCpu(),
    at: performance.now(),
  };
}

/**
 * Starts the server, connects `subscribers` clients to the room and, for each rate in turn,
 * publishes at that rate: after a warm-up, the server's CPU time over a window (/proc/<pid>/stat)
 * is divided by the event frames the clients counted in the same window. One server and one
 * set of clients serve every rate (a server that fell behind carries its backlog into the next).
 */
export async function runFanout(
  ctx: BenchContext,
  env: GatewayBenchEnv,
  subject: FanoutSubject,
  rates: number[],
  subscribers: number,
): Promise<FanoutRun[]> {
  const warmupMs = ctx.scale(1_500, 1_000);
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
    const runs: FanoutRun[] = [];
    for (const perSecond of rates) {
      ctx.progress(`${subject.label}: ${subscribers} subscribers, ${perSecond} messages/s`);
      const pacer = pace(publisher, perSecond, warmupMs + windowMs + 5_000);
      try {
        await sleep(warmupMs);
        const snapBefore = await env.pool.snapshot();
        const before = { ...reading(server, env.pool), sent: pacer.sent };
        await sleep(windowMs);
        const snapAfter = await env.pool.snapshot();
        const after = { ...reading(server, env.pool), sent: pacer.sent };
        const probed = await subject
          .probe?.(server)
          .catch((error: unknown) => `probe failed: ${String(error)}`);
        const seconds = (after.at - before.at) / 1000;
        const deliveries = snapAfter.frames - snapBefore.frames;
        if (deliveries <= 0) throw new Error(`${subject.label}: no deliveries in the window`);
        if (pacer.failed > 0) ctx.progress(`${subject.label}: ${pacer.failed} publishes failed`);
        const user = after.server.user - before.server.user;
        const system = after.server.system - before.server.system;
        const clients = after.clients - before.clients;
        const busy = after.machine.busy - before.machine.busy;
        runs.push({
          perSecond,
          cpuMicros: ((user + system) / deliveries) * 1e6,
          userMicros: (user / deliveries) * 1e6,
          systemMicros: (system / deliveries) * 1e6,
          deliveriesPerSecond: deliveries / seconds,
          deliveredShare: deliveries / ((after.sent - before.sent) * subscribers),
          serverCores: (user + system) / seconds,
          clientCores: clients / seconds,
          otherCores: Math.max(0, busy - user - system - clients - (after.self - before.self)) / seconds,
          softirqCores: (after.machine.softirq - before.machine.softirq) / seconds,
          closedByServer: snapAfter.closed,
          ...(probed ? { probed } : {}),
        });
      } finally {
        await pacer.stop();
      }
    }
    return runs;
  } finally {
    await env.pool.reset().catch(() => undefined);
    await publisher.close().catch(() => undefined);
    await server.stop();
  }
}

const f2 = (value: number) => value.toFixed(2);

/** One run in words, for the notes under the table. */
export function describeRun(label: string, run: FanoutRun): string {
  return (
    `${label} at ${run.perSecond}/s: ${run.cpuMicros.toFixed(2)} µs (user ${f2(run.userMicros)} + system ${f2(run.systemMicros)}), ` +
    `${Math.round(run.deliveriesPerSecond).toLocaleString('en-US')} deliveries/s ` +
    `(${(run.deliveredShare * 100).toFixed(0)}% of published × subscribers); cores: server ${f2(run.serverCores)}, ` +
    `clients ${f2(run.clientCores)}, rest of machine ${f2(run.otherCores)} (softirq ${f2(run.softirqCores)})` +
    (run.closedByServer > 0 ? `; ${run.closedByServer} clients closed by the server` : '') +
    (run.probed ? `; ${run.probed}` : '')
  );
}
