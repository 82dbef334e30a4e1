import { bumpRevisions } from '../../../../auth-api/src/fleet/outbox/index.js';
import { expectStatus, JsonClient } from '../../support/http-client.js';
import { waitRelayIdle } from '../../support/fleet-seed.js';
import { nowMs, type Round } from '../../support/fleet-watch.js';
import { median, msSince } from '../../support/stats.js';
import type { BenchResult } from '../../types.js';
import { type FleetBench, ms } from './context.js';

/** A thrown marker that makes knex roll the transaction back, caught right after. */
const ROLLBACK = new Error('bench: roll back');

interface Timeline {
  /** Client-side duration of the PATCH (its transaction plus HTTP). */
  request: number;
  /** From sending the PATCH: first and last arrival at the bench's subscriber. */
  first: number;
  last: number;
  /** Redis's append times of the first and last event, relative to sending the PATCH. */
  firstAppended: number;
  lastAppended: number;
  /** Longest pause between two consecutive appends: where one relay batch ends and the next starts. */
  longestGap: number;
  /** Last arrival minus its append time: Redis → subscriber delivery. */
  deliveryLag: number;
  missing: number;
}

function timeline(started: number, request: number, round: Round): Timeline {
  const arrivals = [...round.arrivals.values()];
  const ats = arrivals.map((arrival) => arrival.at);
  const tss = arrivals.map((arrival) => arrival.ts).sort((a, b) => a - b);
  const lastArrival = arrivals.reduce((latest, arrival) => (arrival.at > latest.at ? arrival : latest), arrivals[0]!);
  let longestGap = 0;
  for (let i = 1; i < tss.length; i += 1) longestGap = Math.max(longestGap, tss[i]! - tss[i - 1]!);
  return {
    request,
    first: Math.min(...ats) - started,
    last: Math.max(...ats) - started,
    firstAppended: tss[0]! - started,
    lastAppended: tss[tss.length - 1]! - started,
    longestGap,
    deliveryLag: lastArrival.at - lastArrival.ts,
    missing: round.missing,
  };
}

/** The database's share of the PATCH: the UPDATE of every revision alone, rolled back. */
async function bumpAlone(bench: FleetBench, times: number): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < times; i += 1) {
    await bench.api.db.knex
      .transaction(async (trx) => {
        const started = process.hrtime.bigint();
        await bumpRevisions(trx, { networkId: bench.seed.network.id });
        samples.push(msSince(started));
        throw ROLLBACK;
      })
      .catch((error: unknown) => {
        if (error !== ROLLBACK) throw error;
      });
  }
  return median(samples);
}

/**
 * One change that touches every node: `PATCH /v1/nodes/:id {routes}` bumps all revisions in
 * its transaction; the relay in the auth-api (poked after commit) then publishes
 * `config.changed` to every node's room. Timed from sending the PATCH to the last room's
 * arrival at a subscriber on the same Bus, beside the floor: the same number of publishes
 * sent one after another from this process.
 */
export async function measureFanout(bench: FleetBench): Promise<BenchResult[]> {
  const { ctx, api, seed, admin, watch } = bench;
  const db = api.db.knex;
  const nodes = seed.nodes.length;
  const ids = seed.nodes.map((node) => node.id);
  const client = new JsonClient(api.url, 1);
  try {
    const rounds = ctx.scale(5, 2);
    const timelines: Timeline[] = [];
    for (let round = 0; round < rounds; round += 1) {
      await waitRelayIdle(db);
      const rows = await db('nodes').whereIn('id', ids).select<Array<{ id: string; desired_revision: string }>>('id', 'desired_revision');
      const before = new Map(rows.map((row) => [Number(row.id), Number(row.desired_revision)]));
      const started = nowMs();
      const { result: reply, round: arrived } = await watch.measure('config.changed', before, () =>
        client.request('PATCH', `/v1/nodes/${ids[0]}`, { routes: [`10.250.${round}.0/24`] }, admin),
      );
      expectStatus(reply, 200, 'PATCH node');
      const line = timeline(started, reply.ms, arrived);
      timelines.push(line);
      ctx.progress(
        `PATCH ${round + 1}/${rounds}: request ${ms(line.request)}, last config.changed after ${ms(line.last)}` +
          (line.missing > 0 ? `, ${line.missing} rooms MISSING` : ''),
      );
    }
    const bump = await bumpAlone(bench, ctx.scale(5, 2));

    ctx.progress(`floor: ${nodes} sequential bus.publish from the bench process`);
    const sequentialStart = nowMs();
    const sequential = await watch.measure('bench.floor', undefined, async () => {
      for (const id of ids) await watch.publisher.publish(`node:${id}`, 'bench.floor', { revision: 0 });
    });
    const floor = timeline(sequentialStart, 0, sequential.round);
    // The relay's own shape (all publishes of a batch in flight at once), for comparison.
    const pipelinedStart = nowMs();
    const pipelined = await watch.measure('bench.pipelined', undefined, async () => {
      await Promise.all(ids.map((id) => watch.publisher.publish(`node:${id}`, 'bench.pipelined', { revision: 0 })));
    });
    const pipe = timeline(pipelinedStart, 0, pipelined.round);

    const pick = (key: keyof Timeline) => median(timelines.map((line) => line[key]));
    const worst = Math.max(...timelines.map((line) => line.last));
    const missing = Math.max(...timelines.map((line) => line.missing));
    return [
      {
        metric: `PATCH /v1/nodes/:id {routes} request (bumps ${nodes} revisions), median`,
        value: pick('request'),
        unit: 'ms',
        baseline: { label: `the UPDATE of ${nodes} revisions alone, in process, rolled back`, value: bump },
        notes:
          `${rounds} PATCHes, one at a time, each from rest (relay idle); slowest ${ms(Math.max(...timelines.map((l) => l.request)))}. ` +
          'The request is one transaction: UPDATE the node, UPDATE every node of the network (desired_revision + 1), audit row, re-read, commit.',
      },
      {
        metric: `PATCH → last of ${nodes} rooms has config.changed (worst of ${rounds})`,
        value: worst,
        unit: 'ms',
        baseline: { label: `${nodes} sequential bus.publish from the bench, to the last arrival`, value: floor.last },
        goal: '≤ 1 s',
        met: worst <= 1_000 && missing === 0,
        notes:
          `median ${ms(pick('last'))}${missing > 0 ? `; up to ${missing} rooms never got it within 15 s` : ''}. Median timeline from sending the PATCH: ` +
          `reply ${ms(pick('request'))}, first append in Redis ${ms(pick('firstAppended'))}, first arrival ${ms(pick('first'))}, ` +
          `last append ${ms(pick('lastAppended'))}, last arrival ${ms(pick('last'))} (Redis → subscriber ${ms(pick('deliveryLag'))}); ` +
          `longest pause between consecutive appends ${ms(pick('longestGap'))} (the relay publishes in batches of 500, ` +
          `a database round trip between them). Floor: sequential publishes ${ms(floor.last)} to the last arrival; ` +
          `all ${nodes} in flight at once (the relay's shape) ${ms(pipe.last)}. Subscriber: one RedisBus on the ` +
          `auth-api's prefix, subscribed to all ${nodes} node rooms, as a gateway would be.`,
      },
    ];
  } finally {
    client.close();
  }
}
