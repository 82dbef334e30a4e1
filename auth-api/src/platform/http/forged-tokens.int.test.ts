import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, login, startTestAuthApi, type TestAuthApi } from '../../../../test/support/auth-api.js';
import { createTokenFactory, forgedTokens } from '../../../../test/support/forged-tokens.js';

/**
 * The shared negative token suite, driven through the auth-api's Bearer middleware. The
 * factory signs with the API's own active key, so each case is refused for its own flaw.
 */
describe('forged access tokens are refused by the auth-api', () => {
  let t: TestAuthApi;
  let sub: string;
  let sid: string;
  beforeAll(async () => {
    t = await startTestAuthApi({ redis: false });
    const pair = await login(t.url);
    const claims = JSON.parse(Buffer.from(pair.access_token.split('.')[1]!, 'base64url').toString());
    sub = claims.sub;
    sid = claims.sid;
  });
  afterAll(async () => {
    await t.close();
  });

  it('a token built by the factory with the API key and a live session is accepted (the baseline is valid)', async () => {
    const factory = createTokenFactory({ issuer: t.config.publicUrl, key: t.api.context.keyring.signingKey() });
    const response = await call(t.url, 'GET', '/v1/auth/me', { token: factory.sign({ sub, sid, role: 'admin' }) });
    expect(response.status).toBe(200);
  });

  it('every forged case → 401 invalid_token', async () => {
    const factory = createTokenFactory({ issuer: t.config.publicUrl, key: t.api.context.keyring.signingKey() });
    const cases = forgedTokens(factory, { validClaims: { sub, sid, role: 'admin' } });
    expect(cases.length).toBeGreaterThan(20);
    for (const forged of cases) {
      // Some forgeries are not even valid header characters; those never reach the server as a Bearer token.
      if (!/^[A-Za-z0-9._~+/=-]+$/.test(forged.token)) continue;
      const response = await call(t.url, 'GET', '/v1/auth/me', { token: forged.token });
      // Node's HTTP parser answers 431 for headers over 16 KiB before any code of ours runs.
      const expected = forged.token.length > 16 * 1024 ? 431 : 401;
      expect({ name: forged.name, status: response.status }).toEqual({ name: forged.name, status: expected });
      if (expected === 401) expect(['invalid_token', 'unauthorized']).toContain(response.body.code);
    }
  });

  // Found by the security review: the body carried the verifier's reason and the forger's `kid`.
  it('a 401 says invalid_token and nothing about why; the reason is logged', async () => {
    const factory = createTokenFactory({ issuer: t.config.publicUrl, key: t.api.context.keyring.signingKey() });
    const kid = 'kid<script>alert(1)</script>';
    const tokens = {
      unknown_kid: factory.sign({ sub, sid, role: 'admin' }, { kid }),
      expired: factory.sign({ sub, sid, role: 'admin', iat: 1_000, nbf: 1_000, exp: 1_600 }),
      session_revoked: factory.sign({ sub, sid: '00000000-0000-4000-8000-000000000000', role: 'admin' }),
    };
    for (const [reason, token] of Object.entries(tokens)) {
      const response = await call(t.url, 'GET', '/v1/auth/me', { token });
      expect({ reason, status: response.status, body: response.body }).toEqual({
        reason,
        status: 401,
        body: { type: expect.any(String), title: expect.any(String), status: 401, code: 'invalid_token' },
      });
      expect(response.text).not.toContain('script');
      expect(t.logLines.some((line) => line.includes(`"reason":"${reason}"`)), `log names ${reason}`).toBe(true);
    }
  });

  it('a token from a key the API never published → 401', async () => {
    const stranger = createTokenFactory({ issuer: t.config.publicUrl });
    const response = await call(t.url, 'GET', '/v1/auth/me', { token: stranger.sign({ sub, sid, role: 'admin' }) });
    expect(response.status).toBe(401);
  });
});
