import { RedisRevocationStore, sessionRevocation, userRevocation } from '@wirefleet/shared/revocations';
import { childNofile } from '../../support/child-service.js';
import type { BenchContext, BenchResult } from '../../types.js';
import type { GatewayBenchEnv } from './bench-env.js';

/** Revocations in force for the "with the check" run: sessions, and user entries the tokens hit. */
const REVOKED_SESSIONS = 10_000;
const REVOKED_USERS = 1_000;

/**
 * Opens `count` clients with fresh tokens as fast as a new gateway takes them and closes them
 * again: upgrades/s (101 plus `welcome`), nothing else measured.
 */
async function upgradesPerSecond(ctx: BenchContext, env: GatewayBenchEnv, label: string, tokens: string[]): Promise<number> {
  const server = await env.startGateway(`gw-bench-${label}`);
  try {
    ctx.progress(`upgrades (${label}): opening ${tokens.length} connections`);
    const opened = await env.pool.open({
      target: { host: server.host, port: server.port, path: '/ws', protocol: 'wirefleet' },
      count: tokens.length,
      tokens,
      mode: 'idle',
      concurrency: 64,
      addresses: 8,
    });
    if (opened.open < tokens.length) throw new Error(`${label}: only ${opened.open} of ${tokens.length} opened: ${JSON.stringify(opened.refused)}`);
    return opened.open / opened.seconds;
  } finally {
    await env.pool.reset().catch(() => undefined);
    await server.stop();
  }
}

/**
 * The revocation check's cost at the upgrade: the same burst of fresh-token upgrades against a
 * gateway with no revocation in force and against one that loaded 11,000 from Redis at start,
 * a thousand of them user entries that 1,000 of the tokens' users hit (issued after them, so
 * let in). The check is two Map lookups; the figure should not move.
 */
export async function measureUpgradeRevocationCost(ctx: BenchContext, env: GatewayBenchEnv): Promise<BenchResult[]> {
  const count = Math.min(ctx.scale(20_000, 2_000), childNofile() - 100);
  const first = 100_000;
  const without = await upgradesPerSecond(ctx, env, 'upgrades-no-revocations', env.viewerTokens(count, first));

  ctx.progress(`seeding ${REVOKED_SESSIONS + REVOKED_USERS} revocations`);
  const store = new RedisRevocationStore(env.redis.client, env.redis.prefix);
  const now = Date.now();
  const entries = [
    ...Array.from({ length: REVOKED_SESSIONS }, (_, i) => sessionRevocation(`bench-session-${i}`, now)),
    // A minute old: the tokens minted below are issued after it, so they pass after a hit.
    ...Array.from({ length: REVOKED_USERS }, (_, i) => userRevocation(first + count + i * 5, now - 60_000)),
  ];
  for (let i = 0; i < entries.length; i += 500) await Promise.all(entries.slice(i, i + 500).map((entry) => store.record(entry)));
  const withCheck = await upgradesPerSecond(ctx, env, 'upgrades-revocations', env.viewerTokens(count, first + count));
  await env.redis.client.del(`${env.redis.prefix}revocations`);

  return [
    {
      metric: `Upgrades per second with fresh tokens and ${(REVOKED_SESSIONS + REVOKED_USERS).toLocaleString('en-US')} revocations in force (${count.toLocaleString('en-US')}, ES256 verify + revocation check each)`,
      value: withCheck,
      unit: 'upgrades/s',
      baseline: { label: 'same burst, no revocation in force', value: without },
      goal: '≥ 5,000/s',
      met: withCheck >= 5_000,
      notes: `no revocations: ${Math.round(without).toLocaleString('en-US')} upgrades/s; with: ${Math.round(withCheck).toLocaleString('en-US')} upgrades/s`,
    },
  ];
}
