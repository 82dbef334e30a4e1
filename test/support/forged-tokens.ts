import {
  createHmac,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  randomUUID,
  sign as cryptoSign,
} from 'node:crypto';
import {
  ACCESS_TOKEN_TYP,
  type AccessTokenClaims,
  CLOCK_SKEW_SECONDS,
  type Jwks,
  type KeySet,
  MAX_ACCESS_TOKEN_TTL_SECONDS,
  type PublicJwk,
  type SigningAlgorithm,
  StaticKeySet,
  TOKEN_AUDIENCE,
  type TokenFailure,
} from '@wirefleet/shared/tokens';
import jwt from 'jsonwebtoken';

/**
 * Forged and malformed access tokens, shared by every verifier test (the shared
 * AccessTokenVerifier, the auth-api HTTP middleware, the gateway WebSocket upgrade), so that
 * each entry point is checked against the same list of attacks and reports the same reason.
 */

export interface TokenFactory {
  issuer: string;
  audience: string;
  /** What the auth-api would publish at /.well-known/jwks.json for this factory's key. */
  jwks: Jwks;
  keySet: KeySet;
  /** The algorithm of this factory's key and tokens: ES256 unless created with `algorithm: 'EdDSA'`. */
  alg: SigningAlgorithm;
  /**
   * A VALID ES256 access token (signed by jsonwebtoken, like the auth-api does) unless the
   * overrides say otherwise — an EdDSA one (signed by node:crypto, as jsonwebtoken cannot) from
   * an EdDSA factory. A claim or header set to `undefined` is left out of the token;
   * `alg` cannot be overridden here (use `signCompactJws` for other algorithms).
   */
  sign(claims?: Partial<AccessTokenClaims>, header?: Record<string, unknown>): string;
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** The clock (ms) the default iat/nbf/exp are computed from. */
  now: () => number;
}

export interface ForgedCase {
  name: string;
  token: string;
  /** What AccessTokenVerifier must report for this token. */
  reason: TokenFailure;
}

export const DEFAULT_TEST_ISSUER = 'https://auth.wirefleet.test';
/** Lifetime of the factory's default tokens: comfortably inside MAX_ACCESS_TOKEN_TTL_SECONDS. */
const DEFAULT_TTL_SECONDS = 5 * 60;
/** Offsets that are clearly outside the tolerated skew, even if a second ticks between signing and verifying. */
const BEYOND_SKEW_SECONDS = CLOCK_SKEW_SECONDS + 30;

function withoutUndefined<T extends Record<string, unknown>>(record: T): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}

function b64url(data: string | Buffer): string {
  return Buffer.from(data).toString('base64url');
}

/**
 * Builds a compact JWS by hand, for the tokens jsonwebtoken refuses to produce (alg none,
 * HS256 keyed with a public key, non-numeric exp, EdDSA). The algorithm is taken from
 * `header.alg`; `key` is the private key (ES256/EdDSA), the HMAC secret (HS*), or null (none).
 */
export function signCompactJws(
  header: Record<string, unknown>,
  payload: unknown,
  key: KeyObject | Buffer | string | null,
): string {
  const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  const alg = String(header.alg);
  let signature: Buffer;
  if (alg.toLowerCase() === 'none') {
    signature = Buffer.alloc(0);
  } else if (/^HS(256|384|512)$/.test(alg)) {
    if (key === null || (typeof key === 'object' && !Buffer.isBuffer(key)))
      throw new Error(`${alg} needs raw secret bytes`);
    signature = createHmac(`sha${alg.slice(2)}`, key)
      .update(signingInput)
      .digest();
  } else if (alg === 'ES256') {
    if (key === null || typeof key === 'string' || Buffer.isBuffer(key))
      throw new Error('ES256 needs a KeyObject');
    // JWS carries ECDSA signatures as raw r||s (RFC 7518 §3.4), not DER.
    signature = cryptoSign('sha256', Buffer.from(signingInput), { key, dsaEncoding: 'ieee-p1363' });
  } else if (alg === 'EdDSA') {
    if (key === null || typeof key === 'string' || Buffer.isBuffer(key))
      throw new Error('EdDSA needs a KeyObject');
    signature = cryptoSign(null, Buffer.from(signingInput), key);
  } else {
    throw new Error(`signCompactJws does not know alg ${alg}`);
  }
  return `${signingInput}.${signature.toString('base64url')}`;
}

/** The public JWK of `publicKey` as the auth-api would publish it for `alg`. */
function publicJwk(publicKey: KeyObject, kid: string, alg: SigningAlgorithm): PublicJwk {
  const exported = publicKey.export({ format: 'jwk' });
  if (alg === 'EdDSA') return { kty: 'OKP', crv: 'Ed25519', x: exported.x!, kid, alg, use: 'sig' };
  return { kty: 'EC', crv: 'P-256', x: exported.x!, y: exported.y!, kid, alg, use: 'sig' };
}

/**
 * `key` signs with an existing key (e.g. a running auth-api's active key), so a service that
 * only trusts its own JWKS sees each forged case fail for its own reason, not "unknown kid".
 * `algorithm: 'EdDSA'` makes an Ed25519 factory (a `key` must then be Ed25519); `forgedTokens`
 * is written for the ES256 one.
 */
export function createTokenFactory(
  options: {
    issuer?: string;
    now?: () => number;
    key?: { kid: string; privateKey: KeyObject };
    algorithm?: SigningAlgorithm;
  } = {},
): TokenFactory {
  const issuer = options.issuer ?? DEFAULT_TEST_ISSUER;
  const now = options.now ?? Date.now;
  const alg = options.algorithm ?? 'ES256';
  const { privateKey, publicKey } = options.key
    ? { privateKey: options.key.privateKey, publicKey: createPublicKey(options.key.privateKey) }
    : alg === 'EdDSA'
      ? generateKeyPairSync('ed25519')
      : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const kid = options.key?.kid ?? `test-${randomUUID()}`;
  const jwks: Jwks = { keys: [publicJwk(publicKey, kid, alg)] };

  const factory: TokenFactory = {
    issuer,
    audience: TOKEN_AUDIENCE,
    jwks,
    keySet: new StaticKeySet(jwks),
    alg,
    kid,
    privateKey,
    publicKey,
    now,
    sign(claims = {}, header = {}) {
      const payload = withoutUndefined({ ...defaultClaims(factory), ...claims });
      const fullHeader = withoutUndefined({ typ: ACCESS_TOKEN_TYP, kid, ...header, alg });
      if (alg === 'EdDSA') return signCompactJws(fullHeader, payload, privateKey);
      return jwt.sign(payload, privateKey, {
        algorithm: 'ES256',
        header: fullHeader as unknown as jwt.JwtHeader,
        // jsonwebtoken fills in iat unless told not to; a test asking for no iat must get none.
        noTimestamp: payload.iat === undefined,
      });
    },
  };
  return factory;
}

function defaultClaims(factory: TokenFactory): AccessTokenClaims {
  const nowSeconds = Math.floor(factory.now() / 1000);
  return {
    iss: factory.issuer,
    aud: factory.audience,
    sub: 'user:1',
    iat: nowSeconds,
    nbf: nowSeconds,
    exp: nowSeconds + DEFAULT_TTL_SECONDS,
    jti: randomUUID(),
    sid: randomUUID(),
    role: 'operator',
  };
}

/** A valid ES256 access token from `factory`, with `claims` overriding the defaults. */
export function validToken(factory: TokenFactory, claims: Partial<AccessTokenClaims> = {}): string {
  return factory.sign(claims);
}

/** Flips the low bit of one byte in the middle of segment `index` (0 header, 1 payload, 2 signature). */
function flipByte(token: string, index: 0 | 1 | 2): string {
  const parts = token.split('.');
  const bytes = Buffer.from(parts[index]!, 'base64url');
  const at = Math.floor(bytes.length / 2);
  bytes[at] = bytes[at]! ^ 0x01;
  parts[index] = bytes.toString('base64url');
  return parts.join('.');
}

/** Replaces the header segment, keeping the payload and signature. */
function withHeader(token: string, header: unknown): string {
  return [b64url(JSON.stringify(header)), ...token.split('.').slice(1)].join('.');
}

const REQUIRED_CLAIMS = ['iss', 'aud', 'sub', 'iat', 'nbf', 'exp', 'jti', 'sid', 'role'] as const;

/**
 * Every token here must be refused with `reason`. Apart from the one thing each case breaks,
 * the token is valid (signed by the factory's key where a signature matters), so a verifier
 * that forgets a check lets that case through. `validClaims` shifts the baseline, e.g. to a
 * node token for the gateway.
 */
export function forgedTokens(
  factory: TokenFactory,
  options: { validClaims?: Partial<AccessTokenClaims> } = {},
): ForgedCase[] {
  const base = options.validClaims ?? {};
  const nowSeconds = Math.floor(factory.now() / 1000);
  const claims = (overrides: Partial<AccessTokenClaims> = {}): Record<string, unknown> =>
    withoutUndefined({ ...defaultClaims(factory), ...base, ...overrides });
  const sign = (overrides: Partial<AccessTokenClaims> = {}, header: Record<string, unknown> = {}): string =>
    factory.sign({ ...base, ...overrides }, header);
  const validHeader = { alg: 'ES256', typ: ACCESS_TOKEN_TYP, kid: factory.kid };
  const valid = sign();

  const publicPem = factory.publicKey.export({ type: 'spki', format: 'pem' });
  const publicJwkJson = JSON.stringify(factory.jwks.keys[0]);
  const otherEc = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const otherEd = generateKeyPairSync('ed25519');

  const cases: ForgedCase[] = [
    // Algorithm confusion.
    {
      name: 'alg none, empty signature',
      token: signCompactJws({ ...validHeader, alg: 'none' }, claims(), null),
      reason: 'algorithm_not_allowed',
    },
    {
      name: 'alg "None" (case variant), empty signature',
      token: signCompactJws({ ...validHeader, alg: 'None' }, claims(), null),
      reason: 'algorithm_not_allowed',
    },
    {
      name: 'alg none with the original ES256 signature kept',
      token: withHeader(valid, { ...validHeader, alg: 'none' }),
      reason: 'algorithm_not_allowed',
    },
    {
      name: 'HS256 keyed with the public key PEM (key confusion)',
      token: signCompactJws({ ...validHeader, alg: 'HS256' }, claims(), Buffer.from(publicPem)),
      reason: 'algorithm_not_allowed',
    },
    {
      name: 'HS256 keyed with the published JWK JSON (key confusion)',
      token: signCompactJws({ ...validHeader, alg: 'HS256' }, claims(), Buffer.from(publicJwkJson)),
      reason: 'algorithm_not_allowed',
    },
    {
      name: 'EdDSA claimed for the ES256 kid',
      token: signCompactJws({ ...validHeader, alg: 'EdDSA' }, claims(), otherEd.privateKey),
      reason: 'algorithm_not_allowed',
    },
    {
      name: 'alg RS256',
      token: withHeader(valid, { ...validHeader, alg: 'RS256' }),
      reason: 'algorithm_not_allowed',
    },

    // Key selection.
    { name: 'unknown kid', token: sign({}, { kid: `unknown-${randomUUID()}` }), reason: 'unknown_kid' },
    { name: 'missing kid', token: sign({}, { kid: undefined }), reason: 'unknown_kid' },
    {
      name: "signed by a different key claiming the factory's kid",
      token: signCompactJws(validHeader, claims(), otherEc.privateKey),
      reason: 'bad_signature',
    },
    {
      name: 'jku header',
      token: sign({}, { jku: 'https://attacker.example/jwks.json' }),
      reason: 'forbidden_header',
    },
    {
      name: 'x5u header',
      token: sign({}, { x5u: 'https://attacker.example/cert.pem' }),
      reason: 'forbidden_header',
    },
    {
      name: 'jwk header (embedded attacker key)',
      token: sign({}, { jwk: otherEc.publicKey.export({ format: 'jwk' }) }),
      reason: 'forbidden_header',
    },
    {
      name: 'x5c header',
      token: sign({}, { x5c: [randomBytes(32).toString('base64')] }),
      reason: 'forbidden_header',
    },
    { name: 'crit header', token: sign({}, { crit: ['exp'] }), reason: 'forbidden_header' },

    // Token type.
    { name: 'typ JWT', token: sign({}, { typ: 'JWT' }), reason: 'wrong_typ' },
    { name: 'missing typ', token: sign({}, { typ: undefined }), reason: 'wrong_typ' },
    { name: 'typ of a config JWS', token: sign({}, { typ: 'wirefleet-config+jws' }), reason: 'wrong_typ' },

    // Issuer and audience.
    { name: 'wrong iss', token: sign({ iss: 'https://attacker.example' }), reason: 'wrong_issuer' },
    { name: 'wrong aud', token: sign({ aud: 'some-other-service' }), reason: 'wrong_audience' },
    { name: 'aud list without wirefleet', token: sign({ aud: ['a', 'b'] }), reason: 'wrong_audience' },

    // Time.
    {
      name: 'expired beyond the skew',
      token: sign({
        iat: nowSeconds - DEFAULT_TTL_SECONDS - BEYOND_SKEW_SECONDS,
        nbf: nowSeconds - DEFAULT_TTL_SECONDS - BEYOND_SKEW_SECONDS,
        exp: nowSeconds - BEYOND_SKEW_SECONDS,
      }),
      reason: 'expired',
    },
    {
      name: 'nbf in the future beyond the skew',
      token: sign({
        iat: nowSeconds,
        nbf: nowSeconds + BEYOND_SKEW_SECONDS,
        exp: nowSeconds + DEFAULT_TTL_SECONDS,
      }),
      reason: 'not_yet_valid',
    },
    {
      name: 'lifetime longer than 15 minutes',
      token: sign({ iat: nowSeconds, nbf: nowSeconds, exp: nowSeconds + MAX_ACCESS_TOKEN_TTL_SECONDS + 60 }),
      reason: 'lifetime_too_long',
    },
    {
      // exp - iat is short, but iat a year ahead would make the token valid for a year.
      name: 'iat in the future (dodges the lifetime limit)',
      token: sign({ iat: nowSeconds + 365 * 86_400, nbf: nowSeconds, exp: nowSeconds + 365 * 86_400 + 60 }),
      reason: 'not_yet_valid',
    },

    // Required claims, one missing at a time.
    ...REQUIRED_CLAIMS.map(
      (claim): ForgedCase => ({
        name: `missing ${claim}`,
        token: sign({ [claim]: undefined }),
        reason: 'missing_claim',
      }),
    ),

    // Claim contents (validly signed).
    {
      name: 'exp is a string',
      token: signCompactJws(validHeader, { ...claims(), exp: String(nowSeconds + 60) }, factory.privateKey),
      reason: 'malformed',
    },
    { name: 'role node with sub user:1', token: sign({ sub: 'user:1', role: 'node' }), reason: 'malformed' },
    {
      name: 'role admin with sub node:1',
      token: sign({ sub: 'node:1', role: 'admin' }),
      reason: 'malformed',
    },
    {
      name: 'unknown role',
      token: sign({ role: 'root' as AccessTokenClaims['role'] }),
      reason: 'malformed',
    },
    { name: 'sub without a kind', token: sign({ sub: '1' }), reason: 'malformed' },

    // Tampering.
    { name: 'one flipped byte in the payload', token: flipByte(valid, 1), reason: 'bad_signature' },
    { name: 'one flipped byte in the signature', token: flipByte(valid, 2), reason: 'bad_signature' },
    { name: 'signature stripped', token: valid.replace(/[^.]*$/, ''), reason: 'bad_signature' },
    {
      name: 'payload swapped for a more privileged one',
      token: [
        valid.split('.')[0],
        b64url(JSON.stringify(claims({ role: 'admin' }))),
        valid.split('.')[2],
      ].join('.'),
      reason: 'bad_signature',
    },

    // Garbage.
    { name: 'empty string', token: '', reason: 'malformed' },
    { name: '"a.b"', token: 'a.b', reason: 'malformed' },
    { name: '"not.a.jwt"', token: 'not.a.jwt', reason: 'malformed' },
    { name: 'four segments', token: `${valid}.${valid.split('.')[2]}`, reason: 'malformed' },
    { name: 'header is a JSON array', token: withHeader(valid, []), reason: 'malformed' },
    { name: 'non-base64url header', token: `${valid.split('.')[0]}!.e30.`, reason: 'malformed' },
    { name: '20 KiB string', token: 'a'.repeat(20 * 1024), reason: 'malformed' },
    {
      name: '20 KiB validly signed token',
      token: factory.sign({ ...base, jti: 'j'.repeat(20 * 1024) }),
      reason: 'malformed',
    },
  ];
  return cases;
}
