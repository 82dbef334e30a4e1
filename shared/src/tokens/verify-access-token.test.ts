import { generateKeyPairSync, type KeyObject, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  createTokenFactory,
  forgedTokens,
  signCompactJws,
  type TokenFactory,
  validToken,
} from '../../../test/support/forged-tokens.js';
import { ACCESS_TOKEN_TYP, type AccessTokenClaims, TOKEN_AUDIENCE } from './claims.js';
import { type Jwks, type PublicJwk, RemoteJwksKeySet, StaticKeySet } from './key-set.js';
import { TokenError, type TokenFailure } from './token-error.js';
import { AccessTokenVerifier } from './verify-access-token.js';

function verifierFor(factory: TokenFactory, keySet = factory.keySet): AccessTokenVerifier {
  return new AccessTokenVerifier({ keySet, issuer: factory.issuer, now: factory.now });
}

async function failureOf(verifier: AccessTokenVerifier, token: string): Promise<TokenFailure | 'accepted'> {
  try {
    await verifier.verify(token);
    return 'accepted';
  } catch (error) {
    if (error instanceof TokenError) return error.reason;
    throw error;
  }
}

describe('AccessTokenVerifier against forged tokens', () => {
  const factory = createTokenFactory();
  const verifier = verifierFor(factory);

  it('has uniquely named cases', () => {
    const names = forgedTokens(factory).map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it.each(forgedTokens(factory).map((c) => [c.name, c] as const))('rejects %s', async (_name, forged) => {
    expect(await failureOf(verifier, forged.token)).toBe(forged.reason);
  });

  // The gateway verifies node tokens: the same attacks must fail from a node baseline too.
  it.each(
    forgedTokens(factory, { validClaims: { sub: 'node:42', role: 'node' } }).map((c) => [c.name, c] as const),
  )('rejects %s (node baseline)', async (_name, forged) => {
    expect(await failureOf(verifier, forged.token)).toBe(forged.reason);
  });

  it('accepts a valid token and returns its claims', async () => {
    const token = validToken(factory, { sub: 'user:7', role: 'admin' });
    const claims = await verifier.verify(token);
    expect(claims).toMatchObject({ iss: factory.issuer, aud: TOKEN_AUDIENCE, sub: 'user:7', role: 'admin' });
    expect(claims.exp - claims.iat).toBeLessThanOrEqual(15 * 60);
  });

  it('accepts a node token and a list audience that includes wirefleet', async () => {
    const claims = await verifier.verify(
      validToken(factory, { sub: 'node:3', role: 'node', aud: ['x', 'wirefleet'] }),
    );
    expect(claims.sub).toBe('node:3');
  });

  it('accepts tokens within the 30 s clock skew', async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired10sAgo = validToken(factory, { iat: now - 300, nbf: now - 300, exp: now - 10 });
    const notBeforeIn10s = validToken(factory, { iat: now, nbf: now + 10, exp: now + 300 });
    await expect(verifier.verify(expired10sAgo)).resolves.toMatchObject({ exp: now - 10 });
    await expect(verifier.verify(notBeforeIn10s)).resolves.toMatchObject({ nbf: now + 10 });
  });

  it('uses the verifier clock, not the wall clock', async () => {
    const token = validToken(factory);
    const later = new AccessTokenVerifier({
      keySet: factory.keySet,
      issuer: factory.issuer,
      now: () => Date.now() + 3_600_000,
    });
    expect(await failureOf(later, token)).toBe('expired');
  });

  it('rejects a token whose kid belongs to another issuer key set', async () => {
    const other = createTokenFactory({ issuer: factory.issuer });
    expect(await failureOf(verifier, validToken(other))).toBe('unknown_kid');
  });
});

describe('AccessTokenVerifier with EdDSA keys', () => {
  const issuer = 'https://auth.wirefleet.test';
  const kid = `ed-${randomUUID()}`;
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const jwk: PublicJwk = {
    kty: 'OKP',
    crv: 'Ed25519',
    alg: 'EdDSA',
    x: publicKey.export({ format: 'jwk' }).x!,
    kid,
    use: 'sig',
  };
  const verifier = new AccessTokenVerifier({ keySet: new StaticKeySet({ keys: [jwk] }), issuer });
  const header = { alg: 'EdDSA', typ: ACCESS_TOKEN_TYP, kid };

  function claims(
    overrides: Partial<Record<keyof AccessTokenClaims, unknown>> = {},
  ): Record<string, unknown> {
    const now = Math.floor(Date.now() / 1000);
    const all: Record<string, unknown> = {
      iss: issuer,
      aud: TOKEN_AUDIENCE,
      sub: 'node:9',
      iat: now,
      nbf: now,
      exp: now + 300,
      jti: randomUUID(),
      sid: randomUUID(),
      role: 'node',
      ...overrides,
    };
    return Object.fromEntries(Object.entries(all).filter(([, v]) => v !== undefined));
  }
  const sign = (payload: Record<string, unknown>, key: KeyObject = privateKey) =>
    signCompactJws(header, payload, key);

  it('verifies an Ed25519 token signed with node:crypto', async () => {
    await expect(verifier.verify(sign(claims()))).resolves.toMatchObject({ sub: 'node:9', role: 'node' });
  });

  it('rejects the tampered variant and a foreign key', async () => {
    const token = sign(claims());
    const [h, p, s] = token.split('.') as [string, string, string];
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...payload, sub: 'node:10' })).toString('base64url')}.${s}`;
    expect(await failureOf(verifier, tampered)).toBe('bad_signature');
    const sig = Buffer.from(s, 'base64url');
    sig[10] = sig[10]! ^ 0x01;
    expect(await failureOf(verifier, `${h}.${p}.${sig.toString('base64url')}`)).toBe('bad_signature');
    expect(await failureOf(verifier, `${h}.${p}.`)).toBe('bad_signature');
    expect(await failureOf(verifier, sign(claims(), generateKeyPairSync('ed25519').privateKey))).toBe(
      'bad_signature',
    );
  });

  // Both algorithms go through the same claim checks: each case gives the same reason for EdDSA as for ES256.
  const now = Math.floor(Date.now() / 1000);
  const claimCases: [string, Record<string, unknown>, TokenFailure][] = [
    ['wrong iss', claims({ iss: 'https://attacker.example' }), 'wrong_issuer'],
    ['wrong aud', claims({ aud: 'other' }), 'wrong_audience'],
    ['expired beyond skew', claims({ iat: now - 600, nbf: now - 600, exp: now - 60 }), 'expired'],
    ['nbf beyond skew', claims({ nbf: now + 60 }), 'not_yet_valid'],
    ['iat in the future', claims({ iat: now + 86_400, exp: now + 86_400 + 60 }), 'not_yet_valid'],
    ['lifetime > 15 min', claims({ exp: now + 16 * 60 }), 'lifetime_too_long'],
    ['exp is a string', claims({ exp: String(now + 60) }), 'malformed'],
    ['role/sub mismatch', claims({ sub: 'user:1' }), 'malformed'],
    ...(['iss', 'aud', 'sub', 'iat', 'nbf', 'exp', 'jti', 'sid', 'role'] as const).map(
      (name): [string, Record<string, unknown>, TokenFailure] => [
        `missing ${name}`,
        claims({ [name]: undefined }),
        'missing_claim',
      ],
    ),
  ];
  it.each(claimCases)('rejects %s', async (_name, payload, reason) => {
    expect(await failureOf(verifier, sign(payload))).toBe(reason);
  });
});

/** A fake JWKS endpoint: counts requests and lets a test hold responses back. */
function fakeJwksServer(initial: PublicJwk[]) {
  const state = {
    keys: [...initial],
    fetches: 0,
    gate: undefined as Promise<void> | undefined,
    failing: false,
  };
  const fetchImpl: typeof fetch = async () => {
    state.fetches += 1;
    const body: Jwks = { keys: [...state.keys] };
    await state.gate;
    if (state.failing) return new Response('down', { status: 503 });
    return new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } });
  };
  return { state, fetchImpl };
}

describe('RemoteJwksKeySet', () => {
  const a = createTokenFactory();
  const b = createTokenFactory();
  const jwkA = a.jwks.keys[0]!;
  const jwkB = b.jwks.keys[0]!;
  const minRefetchIntervalMs = 60_000;

  function setup(initial: PublicJwk[]) {
    const server = fakeJwksServer(initial);
    const clock = { now: 1_000_000 };
    const keySet = new RemoteJwksKeySet({
      url: 'https://auth.wirefleet.test/.well-known/jwks.json',
      minRefetchIntervalMs,
      maxAgeMs: 300_000,
      fetchImpl: server.fetchImpl,
      now: () => clock.now,
    });
    return { server, clock, keySet };
  }

  it('refetches for an unknown kid at most once per minRefetchIntervalMs', async () => {
    const { server, clock, keySet } = setup([jwkA]);
    expect((await keySet.getKey(jwkA.kid))?.kid).toBe(jwkA.kid);
    expect(server.state.fetches).toBe(1);

    for (let i = 0; i < 50; i++) expect(await keySet.getKey(`made-up-${i}`)).toBeUndefined();
    clock.now += minRefetchIntervalMs - 1;
    expect(await keySet.getKey('made-up')).toBeUndefined();
    expect(server.state.fetches).toBe(1);

    clock.now += 1;
    expect(await keySet.getKey('made-up')).toBeUndefined();
    expect(await keySet.getKey('made-up-again')).toBeUndefined();
    expect(server.state.fetches).toBe(2);
  });

  it('shares one fetch between concurrent lookups', async () => {
    const { server, keySet } = setup([jwkA]);
    let release!: () => void;
    server.state.gate = new Promise((resolve) => {
      release = resolve;
    });
    const lookups = Promise.all([keySet.getKey(jwkA.kid), keySet.getKey(jwkA.kid), keySet.getKey('unknown')]);
    release();
    const [first, second, unknown] = await lookups;
    expect(first?.kid).toBe(jwkA.kid);
    expect(second?.kid).toBe(jwkA.kid);
    expect(unknown).toBeUndefined();
    expect(server.state.fetches).toBe(1);
  });

  it('finds a key published after rotation on the next allowed refetch', async () => {
    const { server, clock, keySet } = setup([jwkA]);
    const verifier = new AccessTokenVerifier({ keySet, issuer: b.issuer });
    expect(await keySet.getKey(jwkA.kid)).toBeDefined();

    server.state.keys = [jwkA, jwkB];
    clock.now += 1_000;
    expect(await keySet.getKey(jwkB.kid)).toBeUndefined();
    expect(server.state.fetches).toBe(1);

    clock.now += minRefetchIntervalMs;
    expect((await keySet.getKey(jwkB.kid))?.kid).toBe(jwkB.kid);
    expect(server.state.fetches).toBe(2);
    await expect(verifier.verify(validToken(b))).resolves.toMatchObject({ iss: b.issuer });
    expect((await keySet.getKey(jwkA.kid))?.kid).toBe(jwkA.kid);
    expect(server.state.fetches).toBe(2);
  });

  it('reports keys_unavailable when the first fetch fails, and keeps known keys when a later one fails', async () => {
    const { server, clock, keySet } = setup([jwkA]);
    server.state.failing = true;
    await expect(keySet.getKey(jwkA.kid)).rejects.toMatchObject({ reason: 'keys_unavailable' });

    server.state.failing = false;
    clock.now += minRefetchIntervalMs;
    expect(await keySet.getKey(jwkA.kid)).toBeDefined();

    server.state.failing = true;
    clock.now += 300_000;
    expect((await keySet.getKey(jwkA.kid))?.kid).toBe(jwkA.kid);
    expect(server.state.fetches).toBe(3);
  });

  it('ignores published keys of algorithms it does not accept', async () => {
    const hsLike = { ...jwkA, kid: 'hs', alg: 'HS256' } as unknown as PublicJwk;
    const { keySet } = setup([hsLike, jwkA]);
    expect(await keySet.getKey('hs')).toBeUndefined();
    expect(await keySet.getKey(jwkA.kid)).toBeDefined();
  });
});
