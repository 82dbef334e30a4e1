import type { BenchContext, BenchResult, BenchSuite } from '../types.js';
import { measureBareStorm } from './storm/bare-restart.js';
import { measureGatewayStorm } from './storm/gateway-restart.js';
import { stormResults } from './storm/storm-results.js';
import { createStormEnv } from './storm/storm-env.js';

export const suite: BenchSuite = {
  name: 'storm',
  title: 'reconnect storm: one gateway killed and restarted under 12,000 connections',
  description: [
    'One auth-api child process (`node auth-api/dist/main.js`, real Postgres and Redis) with 500 seeded nodes;',
    'one built gateway (`node gateway-service/dist/main.js`) on its Redis prefix, trusting its JWKS. On it:',
    '500 node agents — the real `Agent` loop on the memory dataplane and the shared RealtimeClient, in one child',
    'process (storm-agent-host.ts) — and 11,500 dashboards, each its own viewer subscribed to `fleet` and 3',
    'node rooms, played on raw sockets in one worker process per core (storm-viewer.ts) with the client',
    "library's own `nextDelay` back-off and `decideAfterClose` policy and its `since` resubscription. The gateway",
    'is SIGKILLed (a crash: no close frames), 3 events go to `fleet` and 1 to each node room while it is down,',
    'and it is started again on the same port. A client is live again once it is welcomed after the kill and',
    'every room it follows holds the offset published during the outage (replayed) or was answered',
    '`recovered:false`; a replay with a hole counts as a silent gap. The agents are watched through the',
    'frames their sockets receive. Peak CPU (cores, 250 ms windows) and RSS of the gateway, Redis and the',
    "auth-api from /proc; the auth-api's requests from its /metrics, Postgres transactions from",
    '`pg_stat_database`, from just before the kill until 2 s after the last client is live. **Baseline**: the',
    'same number of connections on the bare uWS relay (test/bench/support/gateway-uws-relay.ts), killed and',
    'restarted the same way, each client reconnecting with the same back-off and live once upgraded.',
  ].join(' '),
  async run(ctx: BenchContext): Promise<BenchResult[]> {
    // BENCH_STORM_VIEWERS / BENCH_STORM_AGENTS: other counts, e.g. the full agents in a quick run.
    const counts = {
      viewers: Number(process.env.BENCH_STORM_VIEWERS ?? ctx.scale(11_500, 1_150)),
      agents: Number(process.env.BENCH_STORM_AGENTS ?? ctx.scale(500, 50)),
    };
    const env = await createStormEnv(ctx, counts);
    try {
      const gateway = await measureGatewayStorm(ctx, env);
      const bare = await measureBareStorm(ctx, env, counts.viewers + counts.agents);
      return stormResults(gateway, bare);
    } finally {
      await env.close();
    }
  },
};
