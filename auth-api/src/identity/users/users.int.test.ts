import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, login, startTestAuthApi, type TestAuthApi } from '../../../../test/support/auth-api.js';

describe('user management and roles', () => {
  let t: TestAuthApi;
  let admin: string;
  beforeAll(async () => {
    t = await startTestAuthApi({ redis: false });
    admin = (await login(t.url)).access_token;
  });
  afterAll(async () => {
    await t.close();
  });

  const create = (username: string, role: string) =>
    call(t.url, 'POST', '/v1/users', { token: admin, body: { username, password: `${username}-password-long`, role } });

  it('creates, lists with cursor pagination, reads, updates and deletes users; every change is audited', async () => {
    const created = await create('operator-1', 'operator');
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ username: 'operator-1', role: 'operator', totp_enabled: false, disabled: false });
    expect(created.body).not.toHaveProperty('password_hash');
    await create('viewer-1', 'viewer');
    await create('viewer-2', 'viewer');

    const firstPage = await call<{ items: Array<{ username: string }>; next_cursor?: string }>(t.url, 'GET', '/v1/users?limit=2', {
      token: admin,
    });
    expect(firstPage.body.items).toHaveLength(2);
    expect(firstPage.body.next_cursor).toBeDefined();
    const secondPage = await call<{ items: Array<{ username: string }>; next_cursor?: string }>(
      t.url,
      'GET',
      `/v1/users?limit=2&cursor=${firstPage.body.next_cursor}`,
      { token: admin },
    );
    const names = [...firstPage.body.items, ...secondPage.body.items].map((user) => user.username);
    expect(names).toEqual(['admin', 'operator-1', 'viewer-1', 'viewer-2']);

    const id = created.body.id as number;
    const patched = await call(t.url, 'PATCH', `/v1/users/${id}`, { token: admin, body: { role: 'viewer' } });
    expect(patched.body.role).toBe('viewer');
    expect((await call(t.url, 'DELETE', `/v1/users/${id}`, { token: admin })).status).toBe(204);
    expect((await call(t.url, 'GET', `/v1/users/${id}`, { token: admin })).status).toBe(404);
    const types = (await t.db.knex('audit_events').select('type')).map((row) => row.type);
    expect(types).toEqual(expect.arrayContaining(['user.created', 'user.updated', 'user.deleted']));
  });

  it('a taken username (any case) is 409 conflict', async () => {
    await create('Carol', 'viewer');
    const again = await create('carol', 'viewer');
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('conflict');
  });

  it('operators and viewers cannot manage users or read the audit log', async () => {
    await create('op-2', 'operator');
    const operator = (await login(t.url, 'op-2', 'op-2-password-long')).access_token;
    for (const [method, route] of [
      ['GET', '/v1/users'],
      ['POST', '/v1/users'],
      ['GET', '/v1/audit-events'],
    ] as const) {
      const response = await call(t.url, method, route, { token: operator, body: method === 'POST' ? {} : undefined });
      expect(response.status).toBe(403);
      expect(response.body.code).toBe('forbidden');
    }
  });

  it('disabling a user ends their sessions at once', async () => {
    const created = await create('soon-disabled', 'viewer');
    const pair = await login(t.url, 'soon-disabled', 'soon-disabled-password-long');
    await call(t.url, 'PATCH', `/v1/users/${created.body.id}`, { token: admin, body: { disabled: true } });
    expect((await call(t.url, 'GET', '/v1/auth/me', { token: pair.access_token })).status).toBe(401);
    const refresh = await call(t.url, 'POST', '/v1/auth/refresh', { body: { refresh_token: pair.refresh_token } });
    expect(refresh.body.code).toBe('invalid_grant');
    const again = await call(t.url, 'POST', '/v1/auth/login', {
      body: { username: 'soon-disabled', password: 'soon-disabled-password-long' },
    });
    expect(again.body.code).toBe('invalid_credentials');
  });

  it('the last enabled admin cannot be demoted, disabled or deleted', async () => {
    const me = await call(t.url, 'GET', '/v1/auth/me', { token: admin });
    const id = me.body.id as number;
    for (const body of [{ role: 'viewer' }, { disabled: true }]) {
      const response = await call(t.url, 'PATCH', `/v1/users/${id}`, { token: admin, body });
      expect(response.status).toBe(409);
    }
    expect((await call(t.url, 'DELETE', `/v1/users/${id}`, { token: admin })).status).toBe(409);
  });

  it('the audit log API filters by type and pages with a cursor', async () => {
    const page = await call<{ items: Array<{ id: number; type: string }>; next_cursor?: string }>(
      t.url,
      'GET',
      '/v1/audit-events?type=user.created&limit=2',
      { token: admin },
    );
    expect(page.status).toBe(200);
    expect(page.body.items).toHaveLength(2);
    expect(page.body.items.every((item) => item.type === 'user.created')).toBe(true);
    const next = await call<{ items: Array<{ id: number }> }>(
      t.url,
      'GET',
      `/v1/audit-events?type=user.created&limit=2&cursor=${page.body.next_cursor}`,
      { token: admin },
    );
    expect(next.body.items[0]!.id).toBeLessThan(page.body.items[1]!.id);
    const since = await call(t.url, 'GET', '/v1/audit-events?since=not-a-date', { token: admin });
    expect(since.status).toBe(400);
  });
});
