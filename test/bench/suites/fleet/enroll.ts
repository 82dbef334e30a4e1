import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { EnrollmentKeyStore } from '../../../../auth-api/src/fleet/enrollment/enrollment-key-store.js';
import { claimAddress, nextFreeAddress } from '../../../../auth-api/src/fleet/network/index.js';
import { bumpRevisions, enqueue } from '../../../../auth-api/src/fleet/outbox/index.js';
import { wgKeyPair } from '../../../support/fleet.js';
import { expectStatus, JsonClient } from '../../support/http-client.js';
import { waitRelayIdle } from '../../support/fleet-seed.js';
import { parseJson } from '../../support/http-client.js';
import { closedLoop, describeStatuses, type LoadResult } from '../../support/load.js';
import { describePgActivity, type PgActivity, samplePgActivity } from '../../support/pg-activity.js';
import { CpuWindow, describeCpu } from '../../support/procfs.js';
import { median, msSince } from '../../support/stats.js';
import type { BenchResult } from '../../types.js';
import { type FleetBench, ms } from './context.js';

const WORKERS = 8;
const PHASES = ['consume key', 'IPAM', 'insert node', 'claim address', 'bump revisions', 'outbox', 'BEGIN + COMMIT'] as const;

/**
 * Where an enrollment's transaction spends its time: the steps of EnrollService.enroll, run
 * through the product's own functions in one committed transaction per round, each timed.
 * Only the node INSERT is re-stated here (the service inlines it) and the two audit INSERTs are
 * left out. Runs with nothing else going on, so the figures are the uncontended cost.
 */
async function phases(bench: FleetBench, key: string, rounds: number): Promise<Map<string, number>> {
  const { api, seed } = bench;
  const db = api.db.knex;
  const keys = new EnrollmentKeyStore(db);
  const samples = new Map<string, number[]>(PHASES.map((phase) => [phase, []]));
  for (let round = 0; round < rounds; round += 1) {
    const took = new Map<string, number>();
    const timed = async <T>(phase: string, work: () => Promise<T>): Promise<T> => {
      const started = process.hrtime.bigint();
      const result = await work();
      took.set(phase, msSince(started));
      return result;
    };
    const started = process.hrtime.bigint();
    await db.transaction(async (trx) => {
      const consumed = await timed('consume key', () => keys.consume(trx, key));
      if (!consumed) throw new Error('the enrollment key was refused');
      const address = await timed('IPAM', () => nextFreeAddress(trx, seed.network.id));
      const [node] = await timed('insert node', () =>
        trx('nodes')
          .insert({
            network_id: seed.network.id,
            name: `bench-phases-${round}`,
            wg_public_key: wgKeyPair().publicKey,
            tunnel_ip: address,
            tags: consumed.tags,
            secret_hash: Buffer.alloc(32),
            credential_id: randomUUID(),
            enrollment_key_id: consumed.id,
          })
          .returning<Array<{ id: string }>>('id'),
      );
      const nodeId = Number(node!.id);
      await timed('claim address', () => claimAddress(trx, seed.network.id, address, { kind: 'node', id: nodeId }));
      await timed('bump revisions', () => bumpRevisions(trx, { networkId: seed.network.id, exceptNodeId: nodeId }));
      await timed('outbox', () =>
        enqueue(trx, [{ room: 'fleet', event: 'node.enrolled', data: { node_id: nodeId, tunnel_ip: address } }]),
      );
    });
    const total = msSince(started);
    const inside = [...took.values()].reduce((a, b) => a + b, 0);
    took.set('BEGIN + COMMIT', total - inside);
    for (const [phase, value] of took) samples.get(phase)!.push(value);
    await waitRelayIdle(db);
  }
  return new Map([...samples].map(([phase, values]) => [phase, median(values)]));
}

/**
 * Deadlocks of the bench database and row updates of `nodes` (and how many were HOT), from
 * Postgres's cumulative statistics. Backends flush these within seconds, not at once, so they
 * are read well after the window they describe.
 */
async function pgCounters(db: Knex): Promise<{ deadlocks: number; updates: number; hot: number }> {
  const { rows } = await db.raw<{ rows: Array<{ deadlocks: string; n_tup_upd: string; n_tup_hot_upd: string }> }>(
    `SELECT d.deadlocks, t.n_tup_upd, t.n_tup_hot_upd
       FROM pg_stat_database d, pg_stat_user_tables t
      WHERE d.datname = current_database() AND t.relname = 'nodes'`,
  );
  const row = rows[0]!;
  return { deadlocks: Number(row.deadlocks), updates: Number(row.n_tup_upd), hot: Number(row.n_tup_hot_upd) };
}

interface Window {
  load: LoadResult;
  cpu: ReturnType<CpuWindow['finish']>;
  pg: PgActivity;
}

async function window(
  bench: FleetBench,
  label: string,
  step: (index: number) => Promise<{ status: number; ms: number }>,
): Promise<Window> {
  const { ctx, api } = bench;
  await closedLoop({ concurrency: WORKERS, durationMs: ctx.scale(1_000, 300), step });
  ctx.progress(`${label}: ${WORKERS} workers for ${ctx.scale(10, 2)} s`);
  const cpu = new CpuWindow(api.pid);
  const { result: load, activity } = await samplePgActivity(
    api.db.name,
    closedLoop({ concurrency: WORKERS, durationMs: ctx.scale(10_000, 2_000), step, progress: ctx.progress }),
  );
  if (load.errors.length > 0) ctx.progress(`${label}: errors: ${load.errors.join('; ')}`);
  return { load, cpu: cpu.finish(), pg: activity };
}

/**
 * Enrollments per second with a reusable key into the seeded network, beside the same loop
 * against `POST /v1/nodes/token` (a read-only request that also ends in an ES256 signature).
 */
export async function measureEnrollments(bench: FleetBench): Promise<BenchResult[]> {
  const { ctx, api, seed, admin, watch } = bench;
  const client = new JsonClient(api.url, WORKERS);
  try {
    const created = expectStatus(
      await client.request('POST', '/v1/enrollment-keys', { reusable: true, ttl_seconds: 3600 }, admin),
      201,
      'enrollment key',
    );
    const { key } = parseJson<{ key: string }>(created);
    ctx.progress('timing the phases of an enrollment transaction in process');
    const phase = await phases(bench, key, ctx.scale(10, 3));
    await waitRelayIdle(api.db.knex);
    const nodesBefore = Number((await api.db.knex('nodes').count<Array<{ count: string }>>('* as count'))[0]!.count);

    const countersBefore = await pgCounters(api.db.knex);
    let serial = 0;
    const announcedBefore = watch.configChanged;
    const enroll = await window(bench, 'POST /v1/nodes/enroll', async () => {
      serial += 1;
      const body = { enrollment_key: key, name: `bench-enrolled-${serial}`, wg_public_key: wgKeyPair().publicKey };
      const reply = await client.request('POST', '/v1/nodes/enroll', body);
      return { status: reply.status, ms: reply.ms };
    });
    const announced = watch.configChanged - announcedBefore;
    const enrolled = enroll.load.byStatus.get(201) ?? 0;

    const token = await window(bench, 'POST /v1/nodes/token', async (index) => {
      const node = seed.nodes[index % seed.nodes.length]!;
      const reply = await client.request('POST', '/v1/nodes/token', { node_id: node.id, node_secret: node.secret });
      return { status: reply.status, ms: reply.ms };
    });

    // Read after the token window (≥ 10 s later, no deadlocks of its own): the enrollment window's are flushed by then.
    const counters = await pgCounters(api.db.knex);
    const deadlocks = counters.deadlocks - countersBefore.deadlocks;
    const phaseText = PHASES.map((name) => `${name} ${ms(phase.get(name) ?? Number.NaN)}`).join(', ');
    return [
      {
        metric: `Enrollments/s, ${WORKERS} concurrent, reusable key, into a ${seed.nodes.length}-node network`,
        value: enroll.load.okPerSecond,
        unit: '/s',
        baseline: { label: `POST /v1/nodes/token, same ${WORKERS} workers`, value: token.load.okPerSecond },
        notes:
          `${describeStatuses(enroll.load.byStatus)} in ${enroll.load.seconds.toFixed(1)} s; Postgres counted ${deadlocks} ` +
          'deadlock(s) meanwhile (pg_stat_database; revision bumps and the relay lock node rows in id order) (warm-up enrollments ' +
          `before the window included, the network grew from ${nodesBefore} nodes). Each enrollment bumps the ` +
          `revision of every other node (≈ ${nodesBefore} row updates) inside a transaction that holds the network's ` +
          `IPAM advisory lock, so enrollments run one at a time. Uncontended transaction, median of ` +
          `${ctx.scale(10, 3)} in process: ${phaseText}. During the window the relay published ${announced} ` +
          `config.changed to the ${seed.nodes.length} watched rooms (${enrolled > 0 ? (announced / enrolled).toFixed(0) : '—'} ` +
          `per enrollment; bumps coalesce). Row updates of \`nodes\` over the whole suite: ${counters.updates}, ` +
          `${counters.hot} of them HOT. ${describePgActivity(enroll.pg)}. ${describeCpu(enroll.cpu, 'auth-api')}.` +
          (enroll.load.errors.length > 0 ? ` Errors: ${enroll.load.errors.join('; ')}` : ''),
      },
      {
        metric: `Enrollment latency, ${WORKERS} concurrent, p50`,
        value: enroll.load.p50,
        unit: 'ms',
        baseline: { label: 'POST /v1/nodes/token, p50', value: token.load.p50 },
        notes:
          `p99 ${ms(enroll.load.p99)} vs ${ms(token.load.p99)}. Token loop: ${describeStatuses(token.load.byStatus)}; ` +
          `${describePgActivity(token.pg)}. ${describeCpu(token.cpu, 'auth-api')}.`,
      },
    ];
  } finally {
    client.close();
  }
}
