import type { BenchContext, BenchResult, BenchSuite } from '../types.js';
import { createGatewayBenchEnv } from './gateway/bench-env.js';
import { createTokenSigners } from './tokens/signers.js';
import { measureSigning } from './tokens/signing.js';
import { measureUpgrades } from './tokens/upgrades.js';
import { measureVerification } from './tokens/verification.js';

export const suite: BenchSuite = {
  name: 'tokens',
  title: 'Tokens: ES256 vs Ed25519, and the upgrade rate with the revocation check',
  description: [
    "Every token carries the claims and header the auth-api's AccessTokenIssuer builds (iss, aud, sub,",
    'iat, nbf, exp, a fresh jti, sid, role; `typ: at+jwt`, `kid`). **Signing**, in the bench process, one',
    'token at a time as a login or refresh signs: the issuer as shipped (jsonwebtoken, ES256, a real',
    'keyring in a temporary folder) is the baseline; beside it the same key, claims and header signed',
    "with node:crypto (`sign`, `dsaEncoding: 'ieee-p1363'`), and an Ed25519 key with node:crypto",
    '(jsonwebtoken cannot sign EdDSA); a token from each signer is verified before any timing.',
    '**Verification**: the shared AccessTokenVerifier (header, signature, claims: what the gateway',
    'runs at each upgrade) over 1,000 distinct ES256 and 1,000 EdDSA tokens, one key set holding both',
    'keys. Signers and verifiers are timed in 1 s rounds taken in turn (A, B, C, A, B, C…, seven each,',
    'after a discarded warm-up round), so load from elsewhere falls on all alike; each keeps the',
    '**median** of its rounds, and the notes list every round. **Upgrades**: the built gateway',
    '(`gateway-service/dist/main.js`) as a child process on the real Redis, its JWKS file holding an ES256',
    "and an Ed25519 key, clients in the gateway suite's worker pool (one process per core, 2 to 4; 64 upgrades in",
    'flight each); a burst opens N clients with fresh viewer tokens, each a user of its own, as fast as a',
    'new gateway takes them (a client counts at its 101 and `welcome`), tokens minted before the gateway',
    "starts; before it, 1,000 warm-up upgrades of other users compile the gateway's upgrade path and are",
    'closed again (untimed, as the warm-up rounds above). Each round runs three bursts, each against a new gateway: ES256 with no revocation in force,',
    'EdDSA the same, and ES256 against a gateway that loaded 11,000 revocations from Redis at start',
    '(10,000 sessions, and 1,000 users that tokens of the burst belong to, each token issued after its',
    'entry so looked up, hit and let in). Three rounds; each burst keeps its **best** round, as anything',
    'else on the machine only slows a burst down; the notes list every round.',
  ].join(' '),
  async run(ctx: BenchContext): Promise<BenchResult[]> {
    const results: BenchResult[] = [];
    const signers = createTokenSigners();
    try {
      results.push(...(await measureSigning(ctx, signers)));
      results.push(...(await measureVerification(ctx, signers)));
    } finally {
      signers.close();
    }
    const env = await createGatewayBenchEnv({ ed25519: true });
    try {
      results.push(...(await measureUpgrades(ctx, env)));
    } finally {
      await env.close();
    }
    return results;
  },
};
