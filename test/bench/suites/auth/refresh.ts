import { Redis } from 'ioredis';
import {
  type BenchAuthApi,
  firstLogin,
  JsonClient,
  loginOnce,
  startChildAuthApi,
  type TokenPair,
} from '../../support/auth-api.js';
import { freePort, spawnService } from '../../support/child-service.js';
import { parseJson } from '../../support/http-client.js';
import { closedLoop } from '../../support/load.js';
import { samplePgActivity } from '../../support/pg-activity.js';
import { CpuWindow, processCpuSeconds } from '../../support/procfs.js';
import { TEST_REDIS_URL } from '../../../support/services.js';
import type { BenchContext, BenchResult } from '../../types.js';
import { CONCURRENCY, type Measured, type Rounds, refreshRows } from './refresh-rows.js';
import { measureSigning, openSqlSteps, type SqlRound } from './refresh-steps.js';

/** One server under the closed loop: how to send a refresh to it, and how to stop it. */
interface Target {
  name: string;
  pid: number;
  database?: string;
  step(index: number): Promise<{ status: number; ms: number }>;
  close(): Promise<void>;
}

/** The Redis server's pid when it runs on this machine (its CPU is then readable), else undefined. */
async function localRedisPid(): Promise<number | undefined> {
  const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    const pid = Number(/process_id:(\d+)/.exec(await redis.info('server'))?.[1]);
    return Number.isFinite(pid) && processCpuSeconds(pid) >= 0 ? pid : undefined;
  } catch {
    return undefined;
  } finally {
    redis.disconnect();
  }
}

/** Uncounted warm-up, then the measured window, with the CPU split (and Postgres, Redis) of the window. */
async function measure(ctx: BenchContext, target: Target, redisPid: number | undefined): Promise<Measured> {
  const step = target.step;
  await closedLoop({ concurrency: CONCURRENCY, durationMs: ctx.scale(1_000, 300), step });
  ctx.progress(`${target.name}: ${CONCURRENCY} workers for ${ctx.scale(5, 1)} s`);
  const cpu = new CpuWindow(target.pid);
  const redisBefore = redisPid === undefined ? 0 : processCpuSeconds(redisPid);
  const started = Date.now();
  const window = closedLoop({ concurrency: CONCURRENCY, durationMs: ctx.scale(5_000, 1_000), step });
  const { result: load, activity } = target.database
    ? await samplePgActivity(target.database, window)
    : { result: await window, activity: undefined };
  const used = cpu.finish();
  const seconds = (Date.now() - started) / 1000;
  if (load.errors.length > 0) ctx.progress(`${target.name}: errors: ${load.errors.join('; ')}`);
  return {
    load,
    cpu: used,
    ...(activity ? { pg: activity } : {}),
    ...(redisPid === undefined ? {} : { redisCores: (processCpuSeconds(redisPid) - redisBefore) / seconds }),
  };
}

/** An auth-api child with 32 sessions logged in: each worker walks a refresh chain of its own. */
async function refreshTarget(name: string, api: BenchAuthApi): Promise<Target> {
  const client = new JsonClient(api.url, CONCURRENCY);
  const chains: string[] = [(await firstLogin(client)).refresh_token];
  while (chains.length < CONCURRENCY) chains.push((await loginOnce(client)).refresh_token);
  return {
    name,
    pid: api.pid,
    database: api.database,
    async step(index) {
      const reply = await client.request('POST', '/v1/auth/refresh', { refresh_token: chains[index] });
      // A broken chain cannot continue (its token is spent or revoked): end this worker loudly.
      if (reply.status !== 200)
        throw new Error(`refresh answered ${reply.status}: ${reply.text.slice(0, 160)}`);
      chains[index] = parseJson<TokenPair>(reply).refresh_token;
      return { status: reply.status, ms: reply.ms };
    },
    async close() {
      client.close();
      await api.close();
    },
  };
}

/** The same closed loop against a bare Express 5 route: the HTTP framework's ceiling here. */
async function expressTarget(): Promise<Target> {
  const port = await freePort();
  const service = await spawnService({
    script: 'test/bench/support/trivial-express-server.ts',
    port,
    env: { BENCH_PORT: String(port) },
  });
  const client = new JsonClient(service.url, CONCURRENCY);
  // A token of the real length, so request sizes match.
  const token = `wfr_${'x'.repeat(43)}`;
  return {
    name: 'trivial Express route',
    pid: service.pid,
    async step() {
      const reply = await client.request('POST', '/v1/auth/refresh', { refresh_token: token });
      return { status: reply.status, ms: reply.ms };
    },
    async close() {
      client.close();
      await service.stop();
    },
  };
}

const VARIANT_SERVER = 'test/bench/support/refresh-variant-server.ts';

async function startTargets(ctx: BenchContext): Promise<Target[]> {
  ctx.progress(
    'starting the auth-api children: dist/main.js with 1 and 2 workers, the sources with fast routes on and off',
  );
  return [
    await refreshTarget('refresh', await startChildAuthApi({ AUTH_API_WORKERS: '1' })),
    await refreshTarget('refresh, 2 workers', await startChildAuthApi({ AUTH_API_WORKERS: '2' })),
    await refreshTarget(
      'fast routes on',
      await startChildAuthApi({ BENCH_FAST_ROUTES: 'on' }, VARIANT_SERVER),
    ),
    await refreshTarget(
      'fast routes off',
      await startChildAuthApi({ BENCH_FAST_ROUTES: 'off' }, VARIANT_SERVER),
    ),
    await expressTarget(),
  ];
}

/** Every target and the SQL steps once per round, the order reversed every other round. */
async function runRounds(ctx: BenchContext, targets: Target[]): Promise<Rounds> {
  const sql = await openSqlSteps(CONCURRENCY);
  const redisPid = await localRedisPid();
  const http = new Map<string, Measured[]>(targets.map((target) => [target.name, []]));
  const sqlRounds: SqlRound[] = [];
  try {
    const rounds = ctx.scale(3, 1);
    for (let round = 0; round < rounds; round += 1) {
      ctx.progress(`round ${round + 1} of ${rounds}`);
      const order = round % 2 === 0 ? targets : [...targets].reverse();
      if (round % 2 === 1) sqlRounds.push(await sql.round(ctx.scale(5_000, 1_000)));
      for (const target of order) http.get(target.name)!.push(await measure(ctx, target, redisPid));
      if (round % 2 === 0) sqlRounds.push(await sql.round(ctx.scale(5_000, 1_000)));
    }
  } finally {
    await sql.close();
  }
  return { http, sql: sqlRounds, signing: measureSigning(ctx.scale(7, 3), ctx.scale(2_000, 200)) };
}

/**
 * Refresh throughput and latency at 32 concurrent chains against the auth-api on real Postgres,
 * beside a trivial Express 5 route, the floor of its SQL alone, and each optimisation's step,
 * all measured in alternating rounds of the same run.
 */
export async function measureRefreshThroughput(ctx: BenchContext): Promise<BenchResult[]> {
  const targets = await startTargets(ctx);
  try {
    return refreshRows(await runRounds(ctx, targets));
  } finally {
    for (const target of targets) await target.close();
  }
}
