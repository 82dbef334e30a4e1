import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, login, startTestAuthApi, type TestAuthApi } from '../../../../test/support/auth-api.js';

const GRACE_SECONDS = 1;

describe('refresh rotation (real Postgres + Redis)', () => {
  let t: TestAuthApi;
  beforeAll(async () => {
    t = await startTestAuthApi({ env: { REFRESH_REUSE_GRACE_SECONDS: String(GRACE_SECONDS) } });
  });
  afterAll(async () => {
    await t.close();
  });

  const refresh = (token: string) => call(t.url, 'POST', '/v1/auth/refresh', { body: { refresh_token: token } });

  it('rotates: the new pair works, the old refresh token is spent', async () => {
    const first = await login(t.url);
    const second = await refresh(first.refresh_token);
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ token_type: 'Bearer', expires_in: 900 });
    expect(second.body.refresh_token).not.toBe(first.refresh_token);
    expect(second.headers.get('cache-control')).toBe('no-store');
    const me = await call(t.url, 'GET', '/v1/auth/me', { token: second.body.access_token as string });
    expect(me.status).toBe(200);
    expect(me.body.username).toBe('admin');
  });

  it('reuse inside the grace window: 401 token_reused, the chain stays alive', async () => {
    const first = await login(t.url);
    const second = await refresh(first.refresh_token);
    const reused = await refresh(first.refresh_token);
    expect(reused.status).toBe(401);
    expect(reused.body.code).toBe('token_reused');
    expect(reused.headers.get('content-type')).toContain('application/problem+json');
    const third = await refresh(second.body.refresh_token as string);
    expect(third.status).toBe(200);
  });

  it('reuse after the grace window revokes the whole family and is audited', async () => {
    const first = await login(t.url);
    const second = await refresh(first.refresh_token);
    await new Promise((resolve) => setTimeout(resolve, (GRACE_SECONDS + 0.5) * 1000));
    const reused = await refresh(first.refresh_token);
    expect(reused.status).toBe(401);
    expect(reused.body.code).toBe('token_reused');
    // The newest token of the family fails too, and so does its access token.
    const newest = await refresh(second.body.refresh_token as string);
    expect(newest.status).toBe(401);
    expect(newest.body.code).toBe('invalid_grant');
    const me = await call(t.url, 'GET', '/v1/auth/me', { token: second.body.access_token as string });
    expect(me.status).toBe(401);
    const audit = await t.db.knex('audit_events').where({ type: 'auth.refresh_reuse' });
    expect(audit.length).toBeGreaterThanOrEqual(1);
  });

  it('20 concurrent refreshes with one token: exactly one 200 and one live chain', async () => {
    const first = await login(t.url);
    const results = await Promise.all(Array.from({ length: 20 }, () => refresh(first.refresh_token)));
    const ok = results.filter((result) => result.status === 200);
    expect(ok).toHaveLength(1);
    for (const result of results.filter((r) => r.status !== 200)) {
      expect(result.status).toBe(401);
      expect(result.body.code).toBe('token_reused');
    }
    const next = await refresh(ok[0]!.body.refresh_token as string);
    expect(next.status).toBe(200);
    // Exactly one unspent token remains in the family: the chain did not fork.
    const sid = JSON.parse(Buffer.from((next.body.access_token as string).split('.')[1]!, 'base64url').toString()).sid;
    const live = await t.db.knex('refresh_tokens').where({ session_id: sid }).whereNull('rotated_at');
    expect(live).toHaveLength(1);
    const all = await t.db.knex('refresh_tokens').where({ session_id: sid });
    expect(all).toHaveLength(3);
  });

  it('unknown, malformed and revoked tokens are 401 invalid_grant', async () => {
    expect((await refresh('wfr_not-a-token')).body.code).toBe('invalid_grant');
    const pair = await login(t.url);
    await call(t.url, 'POST', '/v1/auth/logout', { token: pair.access_token, body: {} });
    const afterLogout = await refresh(pair.refresh_token);
    expect(afterLogout.status).toBe(401);
    expect(afterLogout.body.code).toBe('invalid_grant');
  });

  it('logout: 204, the access token stops working at once, and session.revoked is published', async () => {
    const pair = await login(t.url);
    const received: unknown[] = [];
    const userId = (await call(t.url, 'GET', '/v1/auth/me', { token: pair.access_token })).body.id as number;
    const unsubscribe = await t.api.context.bus.subscribe(`user:${userId}`, (event) => received.push(event));
    const out = await call(t.url, 'POST', '/v1/auth/logout', { token: pair.access_token, body: {} });
    expect(out.status).toBe(204);
    expect((await call(t.url, 'GET', '/v1/auth/me', { token: pair.access_token })).status).toBe(401);
    await expect.poll(() => received.length).toBeGreaterThan(0);
    expect(received[0]).toMatchObject({ room: `user:${userId}`, event: 'session.revoked' });
    await unsubscribe();
  });
});
