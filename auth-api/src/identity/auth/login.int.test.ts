import argon2 from 'argon2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, call, login, startTestAuthApi, type TestAuthApi } from '../../../../test/support/auth-api.js';

describe('login (real Postgres + Redis)', () => {
  let t: TestAuthApi;
  beforeAll(async () => {
    t = await startTestAuthApi({
      env: { LOGIN_FAILURES_PER_USER_IP: '3', LOGIN_BACKOFF_AFTER_FAILURES: '100', LOGIN_LIMIT_PER_IP_PER_MINUTE: '1000' },
    });
  });
  afterAll(async () => {
    await t.close();
  });

  const attempt = (username: string, password: string, headers: Record<string, string> = {}) =>
    call(t.url, 'POST', '/v1/auth/login', { body: { username, password }, headers });

  it('answers a good login with the contract token pair', async () => {
    const response = await attempt('admin', ADMIN_PASSWORD);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ token_type: 'Bearer', expires_in: 900 });
    expect(typeof response.body.access_token).toBe('string');
    expect((response.body.refresh_token as string).length).toBeGreaterThanOrEqual(43);
    expect(response.body.refresh_expires_in).toBe(30 * 24 * 3600);
  });

  it('unknown user and wrong password give identical status and body', async () => {
    const unknown = await attempt('nobody-here', 'whatever-password');
    const wrong = await attempt('admin', 'wrong-password-123');
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(unknown.text).toBe(wrong.text);
    expect(unknown.body).toMatchObject({ code: 'invalid_credentials', status: 401 });
    expect(unknown.headers.get('content-type')).toBe(wrong.headers.get('content-type'));
  });

  it('repeated failures for one username from one address get 429 with Retry-After', async () => {
    const statuses: number[] = [];
    let last: Awaited<ReturnType<typeof attempt>> | undefined;
    for (let i = 0; i < 5; i += 1) {
      last = await attempt('victim', `guess-number-${i}`);
      statuses.push(last.status);
    }
    expect(statuses.slice(0, 3)).toEqual([401, 401, 401]);
    expect(last!.status).toBe(429);
    expect(last!.body.code).toBe('rate_limited');
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('records logins and failures in the audit log without secrets', async () => {
    await attempt('admin', 'wrong-password-xyz');
    const rows = await t.db.knex('audit_events').whereIn('type', ['auth.login', 'auth.login_failed']);
    expect(rows.some((row) => row.type === 'auth.login')).toBe(true);
    expect(rows.some((row) => row.type === 'auth.login_failed')).toBe(true);
    expect(JSON.stringify(rows)).not.toContain('wrong-password-xyz');
    expect(JSON.stringify(rows)).not.toContain(ADMIN_PASSWORD);
  });

  it('re-hashes a password made with older parameters on the next successful login', async () => {
    const weak = await argon2.hash('an-old-password-1', { type: argon2.argon2id, memoryCost: 512, timeCost: 1, parallelism: 1 });
    const [row] = await t.db.knex('users').insert({ username: 'legacy', password_hash: weak, role: 'viewer' }).returning('id');
    await login(t.url, 'legacy', 'an-old-password-1');
    await expect
      .poll(async () => (await t.db.knex('users').where({ id: row.id }).first()).password_hash as string)
      .toContain('m=1024,p=1,t=1');
    await login(t.url, 'legacy', 'an-old-password-1');
  });

  it('never writes a password or token into a log line', async () => {
    const pair = await login(t.url);
    await call(t.url, 'GET', '/v1/auth/me', { token: pair.access_token });
    const logs = t.logLines.join('\n');
    expect(logs).not.toContain(ADMIN_PASSWORD);
    expect(logs).not.toContain(pair.access_token);
    expect(logs).not.toContain(pair.refresh_token);
  });
});

describe('login flood (bounded Argon2 concurrency)', () => {
  let t: TestAuthApi;
  const BOUND = 2;
  beforeAll(async () => {
    t = await startTestAuthApi({
      env: {
        ARGON2_MEMORY_KIB: '8192',
        ARGON2_ITERATIONS: '2',
        ARGON2_MAX_CONCURRENCY: String(BOUND),
        ARGON2_MAX_QUEUE: '20',
        LOGIN_LIMIT_PER_IP_PER_MINUTE: '1000',
        LOGIN_FAILURES_PER_USER_IP: '1000',
        LOGIN_BACKOFF_AFTER_FAILURES: '1000',
      },
    });
  });
  afterAll(async () => {
    await t.close();
  });

  it('50 concurrent logins never run more hashes at once than the bound; the excess gets 503 with Retry-After', async () => {
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        call(t.url, 'POST', '/v1/auth/login', { body: { username: `flood-${i}`, password: 'not-the-password' } }),
      ),
    );
    const statuses = new Set(results.map((result) => result.status));
    for (const status of statuses) expect([401, 503]).toContain(status);
    for (const busy of results.filter((result) => result.status === 503)) {
      expect(busy.body.code).toBe('server_busy');
      expect(Number(busy.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    expect(results.filter((result) => result.status === 401).length).toBeGreaterThanOrEqual(20);
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    const high = Number(/^wirefleet_password_hash_in_flight_max (\d+)/m.exec(metrics)?.[1]);
    expect(high).toBeGreaterThanOrEqual(1);
    expect(high).toBeLessThanOrEqual(BOUND);
    expect(t.api.context.hasher.stats().maxRunning).toBeLessThanOrEqual(BOUND);
  });
});
