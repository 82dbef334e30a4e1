import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, call, login, startTestAuthApi, type TestAuthApi } from '../../../../test/support/auth-api.js';
import { base32Decode, timeStep, totpCode } from './totp.js';

describe('TOTP enrolment and login (real Postgres + Redis)', () => {
  let t: TestAuthApi;
  // A controllable clock shared by the service and the test's code generator.
  let nowMs = Date.UTC(2026, 10, 23, 12, 0, 0);
  const now = () => nowMs;
  beforeAll(async () => {
    t = await startTestAuthApi({ now, env: { TOTP_FAILURES_PER_USER: '50' } });
  });
  afterAll(async () => {
    await t.close();
  });

  const codeAt = (secret: string, ms: number) => totpCode(base32Decode(secret), timeStep(ms));

  it('setup → enable → login needs the code → a used code is refused the second time → disable', async () => {
    // The access token's iat follows the injected clock, so tokens are issued "now".
    const pair = await login(t.url);
    const setup = await call(t.url, 'POST', '/v1/auth/totp/setup', { token: pair.access_token, body: {} });
    expect(setup.status).toBe(200);
    const secret = setup.body.secret as string;
    expect(setup.body.otpauth_uri).toMatch(/^otpauth:\/\/totp\/Wirefleet:admin\?secret=/);

    const wrong = await call(t.url, 'POST', '/v1/auth/totp/enable', { token: pair.access_token, body: { code: '000000' } });
    expect(wrong.body.code).toBe('totp_invalid');
    const enable = await call(t.url, 'POST', '/v1/auth/totp/enable', {
      token: pair.access_token,
      body: { code: codeAt(secret, nowMs) },
    });
    expect(enable.status).toBe(204);
    // The secret is stored encrypted, never in the clear.
    const row = await t.db.knex('users').where({ username: 'admin' }).first();
    expect(row.totp_secret_enc).toMatch(/^v1\./);
    expect(row.totp_secret_enc).not.toContain(secret);

    const noCode = await call(t.url, 'POST', '/v1/auth/login', { body: { username: 'admin', password: ADMIN_PASSWORD } });
    expect(noCode.status).toBe(401);
    expect(noCode.body.code).toBe('totp_required');

    nowMs += 30_000;
    const code = codeAt(secret, nowMs);
    const withCode = await call(t.url, 'POST', '/v1/auth/login', {
      body: { username: 'admin', password: ADMIN_PASSWORD, totp_code: code },
    });
    expect(withCode.status).toBe(200);
    const replay = await call(t.url, 'POST', '/v1/auth/login', {
      body: { username: 'admin', password: ADMIN_PASSWORD, totp_code: code },
    });
    expect(replay.status).toBe(401);
    expect(replay.body.code).toBe('totp_invalid');

    // The previous step's code is inside the ±1 window but older than the last used one.
    const stale = codeAt(secret, nowMs - 30_000);
    const staleLogin = await call(t.url, 'POST', '/v1/auth/login', {
      body: { username: 'admin', password: ADMIN_PASSWORD, totp_code: stale },
    });
    expect(staleLogin.body.code).toBe('totp_invalid');

    nowMs += 30_000;
    const token = withCode.body.access_token as string;
    const disable = await call(t.url, 'POST', '/v1/auth/totp/disable', { token, body: { code: codeAt(secret, nowMs) } });
    expect(disable.status).toBe(204);
    const plain = await call(t.url, 'POST', '/v1/auth/login', { body: { username: 'admin', password: ADMIN_PASSWORD } });
    expect(plain.status).toBe(200);
    const types = (await t.db.knex('audit_events').select('type')).map((r) => r.type);
    expect(types).toEqual(expect.arrayContaining(['auth.totp_enabled', 'auth.totp_disabled']));
  });

  it('rejects malformed codes with 400 and a field error', async () => {
    const pair = await login(t.url);
    const response = await call(t.url, 'POST', '/v1/auth/totp/enable', { token: pair.access_token, body: { code: '12ab56' } });
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('invalid_request');
    expect(response.body.errors).toEqual([{ path: 'code', message: 'a TOTP code is 6 digits' }]);
  });
});
