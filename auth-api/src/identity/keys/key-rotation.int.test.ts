import { AccessTokenVerifier, RemoteJwksKeySet } from '@wirefleet/shared/tokens';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, login, startTestAuthApi, type TestAuthApi } from '../../../../test/support/auth-api.js';
import { rotateKeys } from './rotate-keys.js';

describe('signing-key rotation', () => {
  let t: TestAuthApi;
  beforeAll(async () => {
    t = await startTestAuthApi({ redis: false });
  });
  afterAll(async () => {
    await t.close();
  });

  const jwksKids = async () =>
    ((await call<{ keys: Array<{ kid: string; alg: string; use: string }> }>(t.url, 'GET', '/.well-known/jwks.json')).body.keys).map(
      (key) => key.kid,
    );

  it('publishes the active and the standby key; a token signed by a retiring key verifies until it is removed', async () => {
    const jwks = (await call<{ keys: Array<Record<string, string>> }>(t.url, 'GET', '/.well-known/jwks.json')).body;
    expect(jwks.keys).toHaveLength(2);
    for (const key of jwks.keys) {
      expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
      expect(key).not.toHaveProperty('d');
    }
    const before = await login(t.url);
    const oldKid = JSON.parse(Buffer.from(before.access_token.split('.')[0]!, 'base64url').toString()).kid;

    // Rotation 1: the standby key becomes active; the old one retires but stays published.
    const first = rotateKeys(t.keysDir, 3600);
    expect(first.retired).toBe(oldKid);
    t.api.context.keyring.reload();
    const after = await login(t.url);
    const newKid = JSON.parse(Buffer.from(after.access_token.split('.')[0]!, 'base64url').toString()).kid;
    expect(newKid).toBe(first.activated);
    expect(await jwksKids()).toEqual(expect.arrayContaining([oldKid, newKid, first.standby]));
    expect((await call(t.url, 'GET', '/v1/auth/me', { token: before.access_token })).status).toBe(200);

    // An external verifier (as the gateway will be) accepts both while both are published.
    const verifier = new AccessTokenVerifier({
      keySet: new RemoteJwksKeySet({ url: `${t.url}/.well-known/jwks.json` }),
      issuer: t.config.publicUrl,
    });
    await expect(verifier.verify(before.access_token)).resolves.toMatchObject({ sub: 'user:1' });
    await expect(verifier.verify(after.access_token)).resolves.toMatchObject({ sub: 'user:1' });

    // Rotation 2 with a zero grace removes the retiring key: its tokens stop verifying.
    const second = rotateKeys(t.keysDir, 0);
    expect(second.removed).toContain(oldKid);
    t.api.context.keyring.reload();
    expect(await jwksKids()).not.toContain(oldKid);
    const refused = await call(t.url, 'GET', '/v1/auth/me', { token: before.access_token });
    expect(refused.status).toBe(401);
    expect((await call(t.url, 'GET', '/v1/auth/me', { token: after.access_token })).status).toBe(200);
  });
});
