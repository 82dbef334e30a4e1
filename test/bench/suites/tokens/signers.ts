import { generateKeyPairSync, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  ACCESS_TOKEN_TYP,
  type AccessTokenClaims,
  type Jwks,
  type KeySet,
  MAX_ACCESS_TOKEN_TTL_SECONDS,
  type SigningAlgorithm,
  StaticKeySet,
  TOKEN_AUDIENCE,
} from '@wirefleet/shared/tokens';
import { Keyring } from '../../../../auth-api/src/identity/keys/index.js';
import { AccessTokenIssuer } from '../../../../auth-api/src/identity/tokens/index.js';
import { signCompactJws } from '../../../support/forged-tokens.js';

export const TOKENS_BENCH_ISSUER = 'https://auth.wirefleet.bench';
/** The subject every measured token is for: an operator's session, as after a login. */
const SUBJECT = { sub: 'user:1', role: 'operator', sid: randomUUID() } as const;

/**
 * Three ways to sign the same access token. `shipped` is the auth-api's own AccessTokenIssuer
 * (jsonwebtoken, ES256) on a real keyring; the other two build the same claims and header and
 * sign with node:crypto — ES256 with the keyring's own key, Ed25519 with a key made here.
 */
export interface TokenSigners {
  shipped(): string;
  cryptoEs256(): string;
  cryptoEd25519(): string;
  /** Both public keys, as a JWKS that published both would give a verifier. */
  keySet: KeySet;
  close(): void;
}

/** The claims AccessTokenIssuer.issue builds, so every signer signs the same amount of JSON. */
function accessClaims(nowMs: number): AccessTokenClaims {
  const iat = Math.floor(nowMs / 1000);
  return {
    iss: TOKENS_BENCH_ISSUER,
    aud: TOKEN_AUDIENCE,
    sub: SUBJECT.sub,
    iat,
    nbf: iat,
    exp: iat + MAX_ACCESS_TOKEN_TTL_SECONDS,
    jti: randomUUID(),
    sid: SUBJECT.sid,
    role: SUBJECT.role,
  };
}

export function createTokenSigners(): TokenSigners {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wf-bench-tokens-'));
  const keyring = Keyring.open(dir);
  const issuer = new AccessTokenIssuer(keyring, TOKENS_BENCH_ISSUER, MAX_ACCESS_TOKEN_TTL_SECONDS);
  const es256 = keyring.signingKey();
  const ed25519 = generateKeyPairSync('ed25519');
  const ed25519Kid = `bench-ed25519-${randomUUID()}`;
  const edX = ed25519.publicKey.export({ format: 'jwk' }).x!;
  const jwks: Jwks = {
    keys: [
      ...keyring.jwks().keys,
      { kty: 'OKP', crv: 'Ed25519', x: edX, kid: ed25519Kid, alg: 'EdDSA', use: 'sig' },
    ],
  };
  const header = (alg: SigningAlgorithm, kid: string) => ({ alg, typ: ACCESS_TOKEN_TYP, kid });
  return {
    shipped: () => issuer.issue(SUBJECT).token,
    cryptoEs256: () => signCompactJws(header('ES256', es256.kid), accessClaims(Date.now()), es256.privateKey),
    cryptoEd25519: () =>
      signCompactJws(header('EdDSA', ed25519Kid), accessClaims(Date.now()), ed25519.privateKey),
    keySet: new StaticKeySet(jwks),
    close: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
