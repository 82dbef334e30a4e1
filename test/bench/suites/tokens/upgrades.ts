import { RedisRevocationStore, sessionRevocation, userRevocation } from '@wirefleet/shared/revocations';
import { childNofile } from '../../support/child-service.js';
import type { BenchContext, BenchResult } from '../../types.js';
import type { GatewayBenchEnv } from '../gateway/bench-env.js';

/** Revocations in force for the "with the check" burst: sessions, and user entries the tokens hit. */
const REVOKED_SESSIONS = 10_000;
const REVOKED_USERS = 1_000;
const REVOKED_TOTAL = (REVOKED_SESSIONS + REVOKED_USERS).toLocaleString('en-US');

/**
 * Upgrades each new gateway takes (and closes again) before a burst is timed: its upgrade path
 * is compiled by then, as in a gateway that has been running — the same reason the signing and
 * verification rounds discard a warm-up round.
 */
const WARM_UP_UPGRADES = 1_000;
/** Users of the warm-up connections: a range no burst and no revocation uses. */
const WARM_UP_FIRST_USER = 50_000_000;

/** One round's three bursts, upgrades/s each. */
interface Round {
  es256: number;
  eddsa: number;
  withCheck: number;
}

/**
 * Opens `count` clients with fresh tokens as fast as a new gateway takes them and closes them
 * again: upgrades/s (101 plus `welcome`), nothing else measured.
 */
async function upgradesPerSecond(
  ctx: BenchContext,
  env: GatewayBenchEnv,
  label: string,
  tokens: string[],
): Promise<number> {
  const server = await env.startGateway(`gw-bench-${label}`);
  const target = { host: server.host, port: server.port, path: '/ws', protocol: 'wirefleet' } as const;
  const burst = (burstTokens: string[]) =>
    env.pool.open({
      target,
      count: burstTokens.length,
      tokens: burstTokens,
      mode: 'idle',
      concurrency: 64,
      addresses: 8,
    });
  try {
    ctx.progress(`upgrades (${label}): warming up with ${WARM_UP_UPGRADES} connections`);
    const warm = await burst(env.viewerTokens(WARM_UP_UPGRADES, WARM_UP_FIRST_USER));
    if (warm.open < WARM_UP_UPGRADES)
      throw new Error(`${label}: warm-up refused: ${JSON.stringify(warm.refused)}`);
    await env.pool.reset();
    ctx.progress(`upgrades (${label}): opening ${tokens.length} connections`);
    const opened = await burst(tokens);
    if (opened.open < tokens.length)
      throw new Error(
        `${label}: only ${opened.open} of ${tokens.length} opened: ${JSON.stringify(opened.refused)}`,
      );
    return opened.open / opened.seconds;
  } finally {
    await env.pool.reset().catch(() => undefined);
    await server.stop();
  }
}

/**
 * Stores the revocations a gateway loads from Redis at start: sessions no token of the burst
 * has, and a user entry for every `count / REVOKED_USERS`-th user of the burst, a minute old —
 * the burst's tokens are issued after it, so each is looked up, hit, and let in.
 */
async function seedRevocations(env: GatewayBenchEnv, firstUser: number, count: number): Promise<void> {
  const store = new RedisRevocationStore(env.redis.client, env.redis.prefix);
  const now = Date.now();
  const stride = Math.max(1, Math.floor(count / REVOKED_USERS));
  const entries = [
    ...Array.from({ length: REVOKED_SESSIONS }, (_, i) => sessionRevocation(`bench-session-${i}`, now)),
    ...Array.from({ length: REVOKED_USERS }, (_, i) => userRevocation(firstUser + i * stride, now - 60_000)),
  ];
  for (let i = 0; i < entries.length; i += 500)
    await Promise.all(entries.slice(i, i + 500).map((entry) => store.record(entry)));
}

async function clearRevocations(env: GatewayBenchEnv): Promise<void> {
  await env.redis.client.del(`${env.redis.prefix}revocations`);
}

/**
 * ES256 and EdDSA bursts with no revocation in force, then ES256 with 11,000. Every burst has
 * users (and tokens) of its own, minted before its gateway starts, so signing is not timed.
 */
async function round(ctx: BenchContext, env: GatewayBenchEnv, count: number, index: number): Promise<Round> {
  const first = 100_000 + index * 3 * count;
  await clearRevocations(env);
  const es256 = await upgradesPerSecond(ctx, env, `es256-${index}`, env.viewerTokens(count, first));
  const eddsa = await upgradesPerSecond(
    ctx,
    env,
    `eddsa-${index}`,
    env.viewerTokens(count, first + count, 'EdDSA'),
  );
  ctx.progress(`seeding ${REVOKED_TOTAL} revocations`);
  await seedRevocations(env, first + 2 * count, count);
  const withCheck = await upgradesPerSecond(
    ctx,
    env,
    `es256-revocations-${index}`,
    env.viewerTokens(count, first + 2 * count),
  );
  await clearRevocations(env);
  return { es256, eddsa, withCheck };
}

function listed(rounds: Round[], pick: (round: Round) => number): string {
  return rounds.map((entry) => Math.round(pick(entry)).toLocaleString('en-US')).join(', ');
}

/**
 * Upgrades/s with fresh tokens, each burst against a new gateway whose JWKS holds the ES256 and
 * the Ed25519 key: ES256 with no revocation in force (the baseline of both rows), EdDSA the
 * same, and ES256 against a gateway that loaded 11,000 revocations at start. The check is two
 * Map lookups; the figure should not move. Best of the rounds, each burst alike.
 */
export async function measureUpgrades(ctx: BenchContext, env: GatewayBenchEnv): Promise<BenchResult[]> {
  const count = Math.min(ctx.scale(20_000, 2_000), childNofile() - 100);
  const rounds: Round[] = [];
  for (let index = 0; index < ctx.scale(3, 1); index += 1) rounds.push(await round(ctx, env, count, index));
  const best = (pick: (round: Round) => number) => Math.max(...rounds.map(pick));
  const es256 = best((entry) => entry.es256);
  const withCheck = best((entry) => entry.withCheck);
  const eddsa = best((entry) => entry.eddsa);
  const burst = count.toLocaleString('en-US');
  return [
    {
      metric: `Upgrades per second with fresh ES256 tokens and ${REVOKED_TOTAL} revocations in force (${burst}, ES256 verify + revocation check each)`,
      value: withCheck,
      unit: 'upgrades/s',
      baseline: { label: 'same burst, no revocation in force', value: es256 },
      goal: '≥ 5,000/s',
      met: withCheck >= 5_000,
      notes: `rounds (upgrades/s): no revocations ${listed(rounds, (entry) => entry.es256)}; with ${listed(rounds, (entry) => entry.withCheck)}`,
    },
    {
      metric: `Upgrades per second with fresh EdDSA tokens (${burst}, Ed25519 verify each, no revocation in force)`,
      value: eddsa,
      unit: 'upgrades/s',
      baseline: { label: 'ES256, same burst and run', value: es256 },
      notes: `rounds (upgrades/s): EdDSA ${listed(rounds, (entry) => entry.eddsa)}; ES256 ${listed(rounds, (entry) => entry.es256)}`,
    },
  ];
}
