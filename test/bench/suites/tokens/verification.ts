import { AccessTokenVerifier } from '@wirefleet/shared/tokens';
import type { BenchContext, BenchResult } from '../../types.js';
import { formatRounds, measureRates } from './rate.js';
import { type TokenSigners, TOKENS_BENCH_ISSUER } from './signers.js';

/** Distinct tokens verified in turn, so no figure rests on one signature. */
const TOKENS_PER_ALGORITHM = 1_000;

function cycling(tokens: string[], verifier: AccessTokenVerifier): () => Promise<unknown> {
  let next = 0;
  return () => {
    next = (next + 1) % tokens.length;
    return verifier.verify(tokens[next]!);
  };
}

/**
 * Access tokens verified per second by the shared AccessTokenVerifier — the gateway's upgrade
 * and the auth-api's middleware run exactly this — for ES256 (signed by the shipped issuer) and
 * EdDSA tokens, with one key set holding both keys.
 */
export async function measureVerification(ctx: BenchContext, signers: TokenSigners): Promise<BenchResult[]> {
  const verifier = new AccessTokenVerifier({ keySet: signers.keySet, issuer: TOKENS_BENCH_ISSUER });
  const es256Tokens = Array.from({ length: TOKENS_PER_ALGORITHM }, () => signers.shipped());
  const ed25519Tokens = Array.from({ length: TOKENS_PER_ALGORITHM }, () => signers.cryptoEd25519());
  const [es256, ed25519] = await measureRates(
    [
      { name: 'ES256', op: cycling(es256Tokens, verifier) },
      { name: 'EdDSA', op: cycling(ed25519Tokens, verifier) },
    ],
    {
      rounds: ctx.scale(7, 2),
      windowMs: ctx.scale(1_000, 150),
      progress: (message) => ctx.progress(`verification: ${message}`),
    },
  );
  return [
    {
      metric: 'Access tokens verified per second, EdDSA (AccessTokenVerifier: header, signature, claims)',
      value: ed25519!.opsPerSecond,
      unit: 'tokens/s',
      baseline: { label: 'ES256, same verifier', value: es256!.opsPerSecond },
      notes: `rounds (tokens/s): ES256 ${formatRounds(es256!.rounds)}; EdDSA ${formatRounds(ed25519!.rounds)}`,
    },
  ];
}
