import { verify as cryptoVerify } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { ALLOWED_ALGORITHMS, CLOCK_SKEW_SECONDS, type SigningAlgorithm } from './claims.js';
import type { KeySet, VerificationKey } from './key-set.js';
import { TokenError } from './token-error.js';

/** Headers that point a verifier at keys chosen by the token's author; never honoured. */
const FORBIDDEN_HEADERS = ['jku', 'x5u', 'jwk', 'x5c', 'crit'];
/** Access tokens above this size are refused before any parsing work. */
const MAX_TOKEN_LENGTH = 16 * 1024;
/**
 * Signed node configs carry every peer of the mesh: 10,000 peers are ~1.7 MB. The cap matches
 * the config schema's 100,000-peer limit with room to spare.
 */
export const MAX_CONFIG_JWS_LENGTH = 32 * 1024 * 1024;

export interface JwsHeader {
  alg: SigningAlgorithm;
  kid: string;
  typ: string;
}

export interface VerifiedJws<P> {
  header: JwsHeader;
  payload: P;
  key: VerificationKey;
}

export interface VerifyJwsOptions {
  /** Accepted `typ` values (compared case-insensitively; `application/` prefix allowed, RFC 7515 §4.1.9). */
  typ: string;
  /** Longest accepted token, in characters (default 16 KiB, for access tokens). */
  maxLength?: number;
  /** When set, `iss`, `aud`, `exp` and `nbf` are checked by jsonwebtoken as well (defence in depth). */
  issuer?: string;
  audience?: string;
  nowSeconds?: number;
}

function decodeSegment(segment: string): unknown {
  if (!/^[A-Za-z0-9_-]*$/.test(segment)) throw new TokenError('malformed', 'token is not base64url');
  try {
    return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    throw new TokenError('malformed', 'token segment is not JSON');
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads and checks a compact JWS header without trusting anything in it yet. */
export function parseJwsHeader(token: string, expectedTyp: string, maxLength = MAX_TOKEN_LENGTH): JwsHeader {
  if (typeof token !== 'string' || token.length === 0 || token.length > maxLength) {
    throw new TokenError('malformed', 'token is empty or too long');
  }
  const parts = token.split('.');
  if (parts.length !== 3) throw new TokenError('malformed', 'token is not a compact JWS');
  const header = decodeSegment(parts[0]!);
  if (!isObject(header)) throw new TokenError('malformed', 'header is not an object');
  if (typeof header.alg !== 'string' || !(ALLOWED_ALGORITHMS as readonly string[]).includes(header.alg)) {
    throw new TokenError('algorithm_not_allowed', `alg ${String(header.alg)} is not allowed`);
  }
  for (const name of FORBIDDEN_HEADERS) {
    if (name in header) throw new TokenError('forbidden_header', `header ${name} is not accepted`);
  }
  const typ = typeof header.typ === 'string' ? header.typ.toLowerCase().replace(/^application\//, '') : '';
  if (typ !== expectedTyp) throw new TokenError('wrong_typ', `typ must be ${expectedTyp}`);
  if (typeof header.kid !== 'string' || header.kid.length === 0 || header.kid.length > 128) {
    throw new TokenError('unknown_kid', 'kid is missing');
  }
  return { alg: header.alg as SigningAlgorithm, kid: header.kid, typ };
}

/**
 * Verifies a compact JWS signed by one of the keys in `keySet` and returns its payload.
 * The key is chosen by `kid` and must be of the algorithm the header names, so a public key
 * can never be (mis)used as an HMAC secret.
 */
export async function verifyCompactJws<P = Record<string, unknown>>(
  token: string,
  keySet: KeySet,
  options: VerifyJwsOptions,
): Promise<VerifiedJws<P>> {
  const header = parseJwsHeader(token, options.typ, options.maxLength);
  const key = await keySet.getKey(header.kid);
  if (!key) throw new TokenError('unknown_kid', `no published key has kid ${header.kid}`);
  if (key.alg !== header.alg) throw new TokenError('algorithm_not_allowed', 'alg does not match the key');

  const [encodedHeader, encodedPayload, encodedSignature] = token.split('.') as [string, string, string];
  if (header.alg === 'ES256') {
    verifyEs256(token, key, options);
  } else {
    // jsonwebtoken cannot verify EdDSA, so Ed25519 signatures are checked with node:crypto.
    const ok = cryptoVerify(
      null,
      Buffer.from(`${encodedHeader}.${encodedPayload}`),
      key.key,
      Buffer.from(encodedSignature, 'base64url'),
    );
    if (!ok) throw new TokenError('bad_signature', 'signature does not verify');
  }
  const payload = decodeSegment(encodedPayload);
  if (!isObject(payload)) throw new TokenError('malformed', 'payload is not an object');
  return { header, payload: payload as P, key };
}

function verifyEs256(token: string, key: VerificationKey, options: VerifyJwsOptions): void {
  try {
    jwt.verify(token, key.key, {
      algorithms: ['ES256'],
      clockTolerance: CLOCK_SKEW_SECONDS,
      ...(options.issuer !== undefined ? { issuer: options.issuer } : {}),
      ...(options.audience !== undefined ? { audience: options.audience } : {}),
      ...(options.nowSeconds !== undefined ? { clockTimestamp: options.nowSeconds } : {}),
    });
  } catch (error) {
    if (error instanceof jwt.TokenExpiredError) throw new TokenError('expired', 'token expired');
    if (error instanceof jwt.NotBeforeError) throw new TokenError('not_yet_valid', 'token not yet valid');
    const message = error instanceof Error ? error.message : String(error);
    // jsonwebtoken checks these only after the signature verified; report them as the EdDSA
    // path (checkAccessClaims) does, so a reason means the same whatever the algorithm.
    if (message === 'invalid exp value' || message === 'invalid nbf value') {
      throw new TokenError('malformed', 'iat, nbf and exp must be numbers');
    }
    const claim = message.includes('issuer') ? 'iss' : message.includes('audience') ? 'aud' : undefined;
    if (claim !== undefined) {
      // jsonwebtoken reports an absent iss/aud as a mismatch.
      const value: unknown = jwt.decode(token, { json: true })?.[claim];
      if (value === undefined || value === null) {
        throw new TokenError('missing_claim', `claim ${claim} is required`);
      }
      if (claim === 'iss') throw new TokenError('wrong_issuer', 'wrong issuer');
      throw new TokenError('wrong_audience', 'wrong audience');
    }
    throw new TokenError('bad_signature', 'signature does not verify');
  }
}
