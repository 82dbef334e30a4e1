import { busPublisher, pace, type Publisher, relayPublisher } from '../../support/gateway-publishers.js';
import { type ServerChild, startRelayChild } from '../../support/gateway-servers.js';
import { percentile } from '../../support/stats.js';
import type { BenchContext, BenchResult } from '../../types.js';
import { type GatewayBenchEnv, ROOM } from './bench-env.js';

interface LatencyRun {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  samples: number;
  deliveriesPerSecond: number;
  deliveredShare: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Two server processes on one Redis, `subscribers` clients split over them (reading at once,
 * no batching), events published at `perSecond` from this process with the publish time in
 * them; each client subtracts it from the arrival time (both CLOCK_MONOTONIC, same machine).
 */
async function measurePair(
  ctx: BenchContext,
  env: GatewayBenchEnv,
  options: {
    label: string;
    start: (index: number) => Promise<ServerChild>;
    publisher: Publisher;
    wirefleet: boolean;
    subscribers: number;
    perSecond: number;
  },
): Promise<LatencyRun> {
  const servers: ServerChild[] = [];
  try {
    for (const index of [0, 1]) servers.push(await options.start(index));
    const half = Math.ceil(options.subscribers / 2);
    for (const [index, server] of servers.entries()) {
      const count = index === 0 ? half : options.subscribers - half;
      const opened = await env.pool.open({
        target: options.wirefleet
          ? { host: server.host, port: server.port, path: '/ws', protocol: 'wirefleet', room: ROOM }
          : { host: server.host, port: server.port, path: '/ws', protocol: 'uws' },
        count,
        ...(options.wirefleet ? { tokens: env.viewerTokens(count, 1 + index * half) } : {}),
        mode: 'latency',
        concurrency: 20,
      });
      if (opened.open !== count)
        throw new Error(`${options.label}: ${opened.open}/${count} clients connected`);
    }
    ctx.progress(
      `${options.label}: ${options.subscribers} subscribers on 2 servers, ${options.perSecond} messages/s`,
    );
    const warmupMs = ctx.scale(1_500, 1_000);
    const windowMs = ctx.scale(5_000, 2_000);
    const pacer = pace(options.publisher, options.perSecond, warmupMs + windowMs + 5_000);
    try {
      await sleep(warmupMs);
      // Drops the warm-up's samples.
      await env.pool.snapshot();
      const sentBefore = pacer.sent;
      const started = performance.now();
      await sleep(windowMs);
      await pacer.stop();
      const seconds = (performance.now() - started) / 1000;
      const published = pacer.sent - sentBefore;
      // Let the last published events arrive before taking the samples.
      await sleep(300);
      const samples = (await env.pool.snapshot()).latenciesMicros.map((micros) => micros / 1000);
      return {
        p50Ms: percentile(samples, 50),
        p99Ms: percentile(samples, 99),
        maxMs: samples.reduce((max, sample) => Math.max(max, sample), 0),
        samples: samples.length,
        deliveriesPerSecond: samples.length / seconds,
        deliveredShare: samples.length / (published * options.subscribers),
      };
    } finally {
      await pacer.stop();
      await options.publisher.close().catch(() => undefined);
    }
  } finally {
    await env.pool.reset().catch(() => undefined);
    for (const server of servers) await server.stop();
  }
}

function describe(label: string, run: LatencyRun): string {
  return (
    `${label}: p50 ${run.p50Ms.toFixed(2)} ms, p99 ${run.p99Ms.toFixed(2)} ms, max ${run.maxMs.toFixed(1)} ms over ` +
    `${run.samples.toLocaleString('en-US')} deliveries (${Math.round(run.deliveriesPerSecond).toLocaleString('en-US')}/s, ` +
    `${(run.deliveredShare * 100).toFixed(0)}% of published × subscribers)`
  );
}

/** Gateway pair and relay pair at one load: subscribers split over two servers, events at perSecond. */
async function measureBoth(ctx: BenchContext, env: GatewayBenchEnv, subscribers: number, perSecond: number) {
  const relayChannel = `${env.redis.prefix}relay-pair`;
  const relay = await measurePair(ctx, env, {
    label: 'bare uWS relay pair',
    start: () =>
      startRelayChild({ redisUrl: env.redis.url, channel: relayChannel, topic: ROOM, mode: 'direct' }),
    publisher: relayPublisher({ redisUrl: env.redis.url, channel: relayChannel, room: ROOM }),
    wirefleet: false,
    subscribers,
    perSecond,
  });
  const gateway = await measurePair(ctx, env, {
    label: 'two gateways',
    start: (index) => env.startGateway(`gw-bench-pair-${index}`),
    publisher: busPublisher({ redisUrl: env.redis.url, prefix: env.redis.prefix, room: ROOM }),
    wirefleet: true,
    subscribers,
    perSecond,
  });
  const rate = `${((subscribers * perSecond) / 1000).toLocaleString('en-US')}k deliveries/s`;
  const notes = `${describe('gateways', gateway)}; ${describe('relays', relay)}. Gateway events go through RedisBus.publish (Lua: sequence, capped stream, PUBLISH); relay events are a plain PUBLISH.`;
  return {
    relay,
    gateway,
    load: `${subscribers.toLocaleString('en-US')} subscribers × ${perSecond} msg/s (${rate})`,
    notes,
  };
}

/**
 * The goal's load (20,000 deliveries/s over two gateways), and a load at which the gateways'
 * write coalescing engages (above GATEWAY_WRITE_DELAY_ABOVE_RATE per instance), to show what it
 * costs in latency.
 */
export async function measureTwoGatewayLatency(
  ctx: BenchContext,
  env: GatewayBenchEnv,
): Promise<BenchResult[]> {
  const light = await measureBoth(ctx, env, ctx.scale(200, 40), 100);
  const heavy = await measureBoth(ctx, env, ctx.scale(1_000, 200), 300);
  return [
    {
      metric: `Publish→deliver latency p50, 2 gateways, ${light.load}`,
      value: light.gateway.p50Ms,
      unit: 'ms',
      baseline: { label: 'bare uWS relay pair', value: light.relay.p50Ms },
    },
    {
      metric: `Publish→deliver latency p99, 2 gateways, ${light.load}`,
      value: light.gateway.p99Ms,
      unit: 'ms',
      baseline: { label: 'bare uWS relay pair', value: light.relay.p99Ms },
      goal: 'p99 ≤ 10 ms',
      met: light.gateway.p99Ms <= 10 && light.gateway.deliveredShare > 0.99,
      notes: `${light.notes} Each gateway delivered ~10,000/s, below GATEWAY_WRITE_DELAY_ABOVE_RATE: no event waited.`,
    },
    {
      metric: `Publish→deliver latency p50, 2 gateways with write coalescing on, ${heavy.load}`,
      value: heavy.gateway.p50Ms,
      unit: 'ms',
      baseline: { label: 'bare uWS relay pair, same load', value: heavy.relay.p50Ms },
    },
    {
      metric: `Publish→deliver latency p99, 2 gateways with write coalescing on, ${heavy.load}`,
      value: heavy.gateway.p99Ms,
      unit: 'ms',
      baseline: { label: 'bare uWS relay pair, same load', value: heavy.relay.p99Ms },
      notes: `${heavy.notes} Each gateway delivered above GATEWAY_WRITE_DELAY_ABOVE_RATE (100,000/s), so events waited up to GATEWAY_WRITE_DELAY_MS (20 ms) to share a write; the clients here read every frame at once, so this load also loads the machine's two cores with clients.`,
    },
  ];
}
