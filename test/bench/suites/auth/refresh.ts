import { JsonClient, loginOnce, startChildAuthApi, type TokenPair } from '../../support/auth-api.js';
import { freePort, spawnService } from '../../support/child-service.js';
import { parseJson } from '../../support/http-client.js';
import { describePgActivity, type PgActivity, samplePgActivity } from '../../support/pg-activity.js';
import { closedLoop, describeStatuses, type LoadResult } from '../../support/load.js';
import { CpuWindow, describeCpu } from '../../support/procfs.js';
import type { BenchContext, BenchResult } from '../../types.js';

const CONCURRENCY = 32;

interface Measured {
  load: LoadResult;
  cpu: ReturnType<CpuWindow['finish']>;
  pg?: PgActivity;
}

/** Uncounted warm-up, then the measured window, with the CPU split (and Postgres activity) of the window. */
async function measure(
  ctx: BenchContext,
  label: string,
  serverPid: number,
  step: (index: number) => Promise<{ status: number; ms: number }>,
  database?: string,
): Promise<Measured> {
  ctx.progress(`${label}: warm-up`);
  await closedLoop({ concurrency: CONCURRENCY, durationMs: ctx.scale(2_000, 500), step });
  ctx.progress(`${label}: ${CONCURRENCY} workers for ${ctx.scale(10, 2)} s`);
  const cpu = new CpuWindow(serverPid);
  const window = closedLoop({
    concurrency: CONCURRENCY,
    durationMs: ctx.scale(10_000, 2_000),
    step,
    progress: ctx.progress,
  });
  const { result: load, activity } = database
    ? await samplePgActivity(database, window)
    : { result: await window, activity: undefined };
  const used = cpu.finish();
  if (load.errors.length > 0) ctx.progress(`${label}: errors: ${load.errors.join('; ')}`);
  return { load, cpu: used, ...(activity ? { pg: activity } : {}) };
}

/** The same closed loop against a bare Express 5 route: the HTTP framework's ceiling here. */
async function measureExpressBaseline(ctx: BenchContext, token: string): Promise<Measured> {
  const port = await freePort();
  const service = await spawnService({
    script: 'test/bench/support/trivial-express-server.ts',
    port,
    env: { BENCH_PORT: String(port) },
  });
  const client = new JsonClient(service.url, CONCURRENCY);
  try {
    return await measure(ctx, 'trivial Express route', service.pid, async () => {
      const reply = await client.request('POST', '/v1/auth/refresh', { refresh_token: token });
      return { status: reply.status, ms: reply.ms };
    });
  } finally {
    client.close();
    await service.stop();
  }
}

async function measureRefresh(ctx: BenchContext, workers = 1): Promise<Measured & { sample: string }> {
  ctx.progress(`starting an auth-api child process (dist/main.js, ${workers} worker(s))`);
  const api = await startChildAuthApi({ AUTH_API_WORKERS: String(workers) });
  const client = new JsonClient(api.url, CONCURRENCY);
  try {
    // One login per worker: refresh tokens rotate, so each worker walks a chain of its own.
    ctx.progress(`logging in ${CONCURRENCY} sessions`);
    const chains: string[] = [];
    for (let index = 0; index < CONCURRENCY; index += 1) chains.push((await loginOnce(client)).refresh_token);
    const step = async (index: number) => {
      const reply = await client.request('POST', '/v1/auth/refresh', { refresh_token: chains[index] });
      // A broken chain cannot continue (its token is spent or revoked): end this worker loudly.
      if (reply.status !== 200)
        throw new Error(`refresh answered ${reply.status}: ${reply.text.slice(0, 160)}`);
      chains[index] = parseJson<TokenPair>(reply).refresh_token;
      return { status: reply.status, ms: reply.ms };
    };
    const measured = await measure(ctx, 'refresh', api.pid, step, api.database);
    return { ...measured, sample: chains[0]! };
  } finally {
    client.close();
    await api.close();
  }
}

/** What the machine spent beyond client, server and the database's backends: noise to read the figures by. */
function othersOf(measured: Measured): string {
  const others = Math.max(0, measured.cpu.rest - (measured.pg?.backendCores ?? 0));
  return `Redis, the kernel and other processes on the machine took the remaining ${others.toFixed(2)} cores`;
}

/**
 * Refresh throughput and latency at 32 concurrent chains against the auth-api on real
 * Postgres, beside the same loop against a trivial Express 5 route.
 */
export async function measureRefreshThroughput(ctx: BenchContext): Promise<BenchResult[]> {
  const refresh = await measureRefresh(ctx);
  // The same load on two worker processes (AUTH_API_WORKERS=2, node:cluster sharing the port).
  const twoWorkers = await measureRefresh(ctx, 2);
  // The baseline echoes a token of the real length, so request sizes match.
  const express = await measureExpressBaseline(ctx, refresh.sample);
  const { load } = refresh;
  const how =
    `load generator: this process, ${CONCURRENCY} closed-loop workers on node:http keep-alive sockets; ` +
    'servers: separate Node processes (the auth-api from its compiled build, node auth-api/dist/main.js).';
  const brokenChains =
    load.errors.length > 0 ? ` ${load.errors.length} chain(s) broke: ${load.errors.join('; ')}.` : '';
  return [
    {
      metric: `Refresh throughput, concurrency ${CONCURRENCY}`,
      value: load.okPerSecond,
      unit: '/s',
      baseline: { label: 'trivial Express 5 route, same loop', value: express.load.okPerSecond },
      goal: '≥ 1,500/s on this 2-core machine',
      met: load.okPerSecond >= 1_500,
      notes:
        `${describeStatuses(load.byStatus)} in ${load.seconds.toFixed(1)} s.${brokenChains} ` +
        `auth-api window: ${describeCpu(refresh.cpu, 'auth-api')}. Express window: ${describeCpu(express.cpu, 'Express')}. ` +
        `${refresh.pg ? `${describePgActivity(refresh.pg)}; ${othersOf(refresh)}. ` : ''}${how}`,
    },
    {
      metric: `Refresh throughput, concurrency ${CONCURRENCY}, AUTH_API_WORKERS=2`,
      value: twoWorkers.load.okPerSecond,
      unit: '/s',
      baseline: { label: 'trivial Express 5 route, same loop', value: express.load.okPerSecond },
      goal: '≥ 1,500/s on this 2-core machine',
      met: twoWorkers.load.okPerSecond >= 1_500,
      notes:
        `${describeStatuses(twoWorkers.load.byStatus)} in ${twoWorkers.load.seconds.toFixed(1)} s; ` +
        `p50 ${twoWorkers.load.p50.toFixed(1)} ms, p99 ${twoWorkers.load.p99.toFixed(1)} ms. Two auth-api processes ` +
        'share the port through node:cluster; CPU split not attributed (the workers are children of the measured pid).',
    },
    {
      metric: `Refresh latency p50, concurrency ${CONCURRENCY}`,
      value: load.p50,
      unit: 'ms',
      baseline: { label: 'trivial Express 5 route', value: express.load.p50 },
    },
    {
      metric: `Refresh latency p99, concurrency ${CONCURRENCY}`,
      value: load.p99,
      unit: 'ms',
      baseline: { label: 'trivial Express 5 route', value: express.load.p99 },
    },
  ];
}
