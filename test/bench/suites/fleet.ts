import { adminToken, startFleetApi } from '../support/fleet-api.js';
import { seedFleet, waitRelayIdle } from '../support/fleet-seed.js';
import { FleetWatch } from '../support/fleet-watch.js';
import type { BenchContext, BenchResult, BenchSuite } from '../types.js';
import { measureConfig } from './fleet/config.js';
import type { FleetBench } from './fleet/context.js';
import { measureEnrollments } from './fleet/enroll.js';
import { measureFanout } from './fleet/fanout.js';

export const suite: BenchSuite = {
  name: 'fleet',
  title: 'fleet: node configs, fan-out of a change, enrollments in a 1,000-node network',
  description: [
    'One auth-api child process from its compiled build (`node auth-api/dist/main.js`) on real Postgres and',
    'Redis, enrollment limits raised out of the way. Its network is seeded with 1,000 nodes by bulk INSERT into',
    '`nodes` and `ip_allocations` (real X25519 keys, distinct tunnel addresses, half behind NAT, every tenth with a',
    'routed subnet) plus 20 devices and 30 port forwards; enrolling them one by one would take minutes (see the',
    'enrollment rate). **Config**: `buildNodeConfig` + `signNodeConfig` in the bench process against the same',
    'database and the child\'s signing key, beside the same SELECTs alone and a bare `jwt.sign` of the same',
    'payload; then `GET /v1/nodes/self/config` over HTTP with node tokens. **Fan-out**: `PATCH /v1/nodes/:id',
    '{routes}` bumps every revision; a RedisBus on the auth-api\'s prefix, subscribed to all 1,000 node rooms,',
    'timestamps each room\'s `config.changed` (published by the relay inside the auth-api), beside 1,000',
    'publishes from the bench. **Enrollments**: a closed loop of `POST /v1/nodes/enroll` with a reusable key',
    '(each one bumps every other node\'s revision), beside the same loop on `POST /v1/nodes/token`.',
  ].join(' '),
  async run(ctx: BenchContext): Promise<BenchResult[]> {
    const nodes = ctx.scale(1_000, 100);
    ctx.progress('starting an auth-api child process (dist/main.js)');
    const api = await startFleetApi();
    let watch: FleetWatch | undefined;
    try {
      ctx.progress(`seeding ${nodes} nodes by bulk INSERT`);
      const seed = await seedFleet(api.db.knex, nodes, ctx.scale(20, 5));
      await waitRelayIdle(api.db.knex);
      ctx.progress(`seeded in ${seed.seconds.toFixed(1)} s; subscribing to ${nodes} node rooms`);
      const subscribing = Date.now();
      watch = await FleetWatch.open(
        api.redis.prefix,
        seed.nodes.map((node) => node.id),
      );
      const subscribeSeconds = (Date.now() - subscribing) / 1000;
      const bench: FleetBench = { ctx, api, seed, admin: await adminToken(api.url), watch };
      const results: BenchResult[] = [
        {
          metric: `Seeding ${nodes} nodes + ${seed.devices} devices + ${seed.forwards} forwards (bulk INSERT)`,
          value: seed.seconds,
          unit: 's',
          notes: `key generation included; subscribing the watch to ${nodes} rooms then took ${subscribeSeconds.toFixed(1)} s.`,
        },
      ];
      results.push(...(await measureConfig(bench)));
      results.push(...(await measureFanout(bench)));
      // Last: enrollments grow the network and leave the relay busy.
      results.push(...(await measureEnrollments(bench)));
      return results;
    } finally {
      await watch?.close();
      await api.close();
    }
  },
};
