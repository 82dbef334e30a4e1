import {
  ACCESS_TOKEN_TYP,
  type AccessTokenClaims,
  CLOCK_SKEW_SECONDS,
  MAX_ACCESS_TOKEN_TTL_SECONDS,
  ROLES,
  type Role,
  SUBJECT_PATTERN,
  TOKEN_AUDIENCE,
} from './claims.js';
import type { KeySet } from './key-set.js';
import { TokenError } from './token-error.js';
import { verifyCompactJws } from './verify-jws.js';

export interface AccessTokenVerifierOptions {
  keySet: KeySet;
  /** The auth-api's issuer URL (`iss`). */
  issuer: string;
  audience?: string;
  now?: () => number;
}

/**
 * The one access-token verifier every service uses (auth-api middleware, gateway upgrade,
 * gateway `refresh` frames). It returns claims only when the header, signature and every
 * required claim pass; otherwise it throws a TokenError whose `reason` says why.
 */
export class AccessTokenVerifier {
  private readonly audience: string;
  private readonly now: () => number;

  constructor(private readonly options: AccessTokenVerifierOptions) {
    this.audience = options.audience ?? TOKEN_AUDIENCE;
    this.now = options.now ?? Date.now;
  }

  async verify(token: string): Promise<AccessTokenClaims> {
    const nowSeconds = Math.floor(this.now() / 1000);
    const { payload } = await verifyCompactJws<Record<string, unknown>>(token, this.options.keySet, {
      typ: ACCESS_TOKEN_TYP,
      nowSeconds,
    });
    return checkAccessClaims(payload, { issuer: this.options.issuer, audience: this.audience, nowSeconds });
  }
}

/**
 * Checks registered and Wirefleet claims, the same for every algorithm (verifyCompactJws has
 * checked the signature and, when present, `nbf`/`exp`).
 */
export function checkAccessClaims(
  payload: Record<string, unknown>,
  expected: { issuer: string; audience: string; nowSeconds: number },
): AccessTokenClaims {
  for (const name of ['iss', 'aud', 'sub', 'iat', 'nbf', 'exp', 'jti', 'sid', 'role']) {
    if (payload[name] === undefined || payload[name] === null) {
      throw new TokenError('missing_claim', `claim ${name} is required`);
    }
  }
  const { iss, aud, sub, iat, nbf, exp, jti, sid, role } = payload;
  if (typeof iat !== 'number' || typeof nbf !== 'number' || typeof exp !== 'number') {
    throw new TokenError('malformed', 'iat, nbf and exp must be numbers');
  }
  if (typeof sub !== 'string' || !SUBJECT_PATTERN.test(sub)) throw new TokenError('malformed', 'bad sub');
  if (typeof jti !== 'string' || typeof sid !== 'string') throw new TokenError('malformed', 'bad jti or sid');
  if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role)) {
    throw new TokenError('malformed', 'bad role');
  }
  if ((role === 'node') !== sub.startsWith('node:')) throw new TokenError('malformed', 'role does not match sub');
  if (iss !== expected.issuer) throw new TokenError('wrong_issuer', 'wrong issuer');
  const audiences = Array.isArray(aud) ? aud : [aud];
  if (!audiences.includes(expected.audience)) throw new TokenError('wrong_audience', 'wrong audience');
  if (exp + CLOCK_SKEW_SECONDS <= expected.nowSeconds) throw new TokenError('expired', 'token expired');
  if (nbf - CLOCK_SKEW_SECONDS > expected.nowSeconds) throw new TokenError('not_yet_valid', 'token not yet valid');
  // exp - iat bounds the lifetime only if iat is not in the future: a far-future iat would
  // otherwise let a token live as long as its signer liked.
  if (iat - CLOCK_SKEW_SECONDS > expected.nowSeconds) {
    throw new TokenError('not_yet_valid', 'token issued in the future');
  }
  if (exp - iat > MAX_ACCESS_TOKEN_TTL_SECONDS) throw new TokenError('lifetime_too_long', 'token lives too long');
  // The role constant rather than the parsed copy: verified claims are kept per connection.
  const canonicalRole = ROLES.find((known) => known === role) as Role;
  return { iss, aud: aud as string | string[], sub, iat, nbf, exp, jti, sid, role: canonicalRole };
}
