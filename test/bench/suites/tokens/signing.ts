import { AccessTokenVerifier } from '@wirefleet/shared/tokens';
import type { BenchContext, BenchResult } from '../../types.js';
import { formatRounds, measureRates } from './rate.js';
import { type TokenSigners, TOKENS_BENCH_ISSUER } from './signers.js';

/** A signer that makes tokens the verifier refuses would be timing the wrong thing. */
async function checkSigners(signers: TokenSigners): Promise<void> {
  const verifier = new AccessTokenVerifier({ keySet: signers.keySet, issuer: TOKENS_BENCH_ISSUER });
  for (const sign of [signers.shipped, signers.cryptoEs256, signers.cryptoEd25519])
    await verifier.verify(sign());
}

/**
 * Access tokens signed per second: the auth-api's issuer as shipped (jsonwebtoken, ES256), the
 * same ES256 signature from node:crypto (what jsonwebtoken costs on top), and Ed25519 from
 * node:crypto (what the algorithm would change). One thread, one token at a time, as a login
 * or refresh signs.
 */
export async function measureSigning(ctx: BenchContext, signers: TokenSigners): Promise<BenchResult[]> {
  await checkSigners(signers);
  const [shipped, es256, ed25519] = await measureRates(
    [
      { name: 'jsonwebtoken ES256', op: signers.shipped },
      { name: 'node:crypto ES256', op: signers.cryptoEs256 },
      { name: 'node:crypto Ed25519', op: signers.cryptoEd25519 },
    ],
    {
      rounds: ctx.scale(7, 2),
      windowMs: ctx.scale(1_000, 150),
      progress: (message) => ctx.progress(`signing: ${message}`),
    },
  );
  const baseline = { label: 'jsonwebtoken ES256, the auth-api as shipped', value: shipped!.opsPerSecond };
  const rounds = `rounds (tokens/s): jsonwebtoken ES256 ${formatRounds(shipped!.rounds)}; node:crypto ES256 ${formatRounds(es256!.rounds)}; Ed25519 ${formatRounds(ed25519!.rounds)}`;
  return [
    {
      metric: 'Access tokens signed per second, ES256 with node:crypto (`sign`, ieee-p1363)',
      value: es256!.opsPerSecond,
      unit: 'tokens/s',
      baseline,
      notes: 'the same key, claims and header as the shipped issuer: the difference is jsonwebtoken itself',
    },
    {
      metric: 'Access tokens signed per second, Ed25519 (EdDSA) with node:crypto',
      value: ed25519!.opsPerSecond,
      unit: 'tokens/s',
      baseline,
      notes: `${(ed25519!.opsPerSecond / es256!.opsPerSecond).toFixed(2)}× node:crypto ES256 (the algorithm alone); ${rounds}`,
    },
  ];
}
