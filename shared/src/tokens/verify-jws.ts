import { verify as cryptoVerify } from 'node:crypto';
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
  /** The clock for `nbf`/`exp` (default: now). */
  nowSeconds?: number;
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

function decodeSegment(segment: string): unknown {
  if (!BASE64URL.test(segment)) throw new TokenError('malformed', 'token is not base64url');
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
 *
 * The signature is checked with node:crypto for both algorithms (ES256 as JWS encodes it, raw
 * r||s — `ieee-p1363` — and Ed25519), synchronously. (On libuv's thread pool it took the ECDSA
 * work off the event loop, but a gateway then completed upgrades from a thread-pool callback,
 * outside uWebSockets.js's own, and under CPU starvation about one run in ten of the rooms
 * tests saw a freshly upgraded socket dropped with 1006; synchronous checks never did.) The
 * header and payload are each decoded and parsed once. `nbf`/`exp`, when present, are checked
 * here with CLOCK_SKEW_SECONDS for every kind of JWS; the access-token claims (iss, aud, sub,
 * role, lifetime…) are checkAccessClaims's job.
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

  const signingInputEnd = token.lastIndexOf('.');
  const encodedPayload = token.slice(token.indexOf('.') + 1, signingInputEnd);
  const encodedSignature = token.slice(signingInputEnd + 1);
  if (!signatureVerifies(header.alg, key, token.slice(0, signingInputEnd), encodedSignature)) {
    throw new TokenError('bad_signature', 'signature does not verify');
  }
  const payload = decodeSegment(encodedPayload);
  if (!isObject(payload)) throw new TokenError('malformed', 'payload is not an object');
  checkValidityWindow(payload, options.nowSeconds ?? Math.floor(Date.now() / 1000));
  return { header, payload: payload as P, key };
}

/** ES256 signatures are exactly 64 bytes (r||s); anything else — DER included — is refused. */
const ES256_SIGNATURE_BYTES = 64;

/** Whether `encodedSignature` signs `signingInput` with `key` under `alg` (raw r||s for ES256). */
export function signatureVerifies(
  alg: SigningAlgorithm,
  key: VerificationKey,
  signingInput: string,
  encodedSignature: string,
): boolean {
  if (!BASE64URL.test(encodedSignature)) return false;
  const signature = Buffer.from(encodedSignature, 'base64url');
  if (alg === 'ES256' && signature.length !== ES256_SIGNATURE_BYTES) return false;
  const data = Buffer.from(signingInput);
  try {
    return alg === 'ES256'
      ? cryptoVerify('sha256', data, { key: key.key, dsaEncoding: 'ieee-p1363' }, signature)
      : cryptoVerify(null, data, key.key, signature);
  } catch {
    return false; // a key node:crypto cannot use for this algorithm
  }
}

/** `nbf` and `exp` bound any JWS that carries them (RFC 7519 §4.1.4–5), with the shared skew. */
export function checkValidityWindow(
  payload: Record<string, unknown>,
  nowSeconds = Math.floor(Date.now() / 1000),
): void {
  const { nbf, exp } = payload;
  if ((nbf !== undefined && typeof nbf !== 'number') || (exp !== undefined && typeof exp !== 'number')) {
    throw new TokenError('malformed', 'iat, nbf and exp must be numbers');
  }
  if (typeof exp === 'number' && exp + CLOCK_SKEW_SECONDS <= nowSeconds) throw new TokenError('expired', 'token expired');
  if (typeof nbf === 'number' && nbf - CLOCK_SKEW_SECONDS > nowSeconds) {
    throw new TokenError('not_yet_valid', 'token not yet valid');
  }
}
