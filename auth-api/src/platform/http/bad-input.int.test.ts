import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, login, startTestAuthApi, type TestAuthApi } from '../../../../test/support/auth-api.js';

describe('bad input gets problem JSON with stable codes', () => {
  let t: TestAuthApi;
  let admin: string;
  beforeAll(async () => {
    t = await startTestAuthApi({ redis: false });
    admin = (await login(t.url)).access_token;
  });
  afterAll(async () => {
    await t.close();
  });

  const expectProblem = (response: Awaited<ReturnType<typeof call>>, status: number, code: string) => {
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(response.body).toMatchObject({ status, code, type: expect.stringContaining(code), title: expect.any(String) });
    expect(response.text).not.toMatch(/at .*\.(ts|js):\d+/);
  };

  it('malformed JSON → 400 invalid_request', async () => {
    const response = await call(t.url, 'POST', '/v1/auth/login', { rawBody: '{"username": "a",' });
    expectProblem(response, 400, 'invalid_request');
    expect(response.body.errors).toEqual([{ path: '(body)', message: 'malformed JSON' }]);
  });

  it('wrong types → 400 with the field path', async () => {
    const response = await call(t.url, 'POST', '/v1/auth/login', { body: { username: 42, password: ['x'] } });
    expectProblem(response, 400, 'invalid_request');
    const paths = (response.body.errors as Array<{ path: string }>).map((error) => error.path).sort();
    expect(paths).toEqual(['password', 'username']);
  });

  it('unknown fields → 400 naming them', async () => {
    const response = await call(t.url, 'POST', '/v1/auth/login', { body: { username: 'a', password: 'b', admin: true } });
    expectProblem(response, 400, 'invalid_request');
    expect(JSON.stringify(response.body.errors)).toContain('admin');
  });

  it('a body that is not an object → 400', async () => {
    expectProblem(await call(t.url, 'POST', '/v1/auth/refresh', { rawBody: '"just a string"' }), 400, 'invalid_request');
    expectProblem(await call(t.url, 'POST', '/v1/auth/refresh', { rawBody: '[1,2]' }), 400, 'invalid_request');
    expectProblem(await call(t.url, 'POST', '/v1/auth/refresh', {}), 400, 'invalid_request');
  });

  it('bodies over 64 KiB → 413 payload_too_large', async () => {
    const response = await call(t.url, 'POST', '/v1/auth/login', {
      body: { username: 'a', password: 'x'.repeat(70 * 1024) },
    });
    expectProblem(response, 413, 'payload_too_large');
  });

  it('short passwords and bad roles on user creation → 400 with field errors', async () => {
    const response = await call(t.url, 'POST', '/v1/users', {
      token: admin,
      body: { username: 'bob', password: 'short', role: 'root' },
    });
    expectProblem(response, 400, 'invalid_request');
    const paths = (response.body.errors as Array<{ path: string }>).map((error) => error.path).sort();
    expect(paths).toEqual(['password', 'role']);
  });

  it('unknown routes and unknown ids → 404 problem JSON', async () => {
    expectProblem(await call(t.url, 'GET', '/v1/nope'), 404, 'not_found');
    expectProblem(await call(t.url, 'GET', '/v1/users/999999', { token: admin }), 404, 'not_found');
  });

  // Found by the security review: ids coerced, so `/v1/users/0x1` and `/1e0` read user 1.
  it('an id in any spelling but plain decimal → 400, never another name for an existing id', async () => {
    expect((await call(t.url, 'GET', '/v1/users/1', { token: admin })).status).toBe(200);
    for (const id of ['abc', '0x1', '1e0', '01', '1.0', '+1', '0', '-1', '%201', '9007199254740993', '99999999999999999999']) {
      const response = await call(t.url, 'GET', `/v1/users/${id}`, { token: admin });
      expectProblem(response, 400, 'invalid_request');
      expect({ id, errors: response.body.errors }).toEqual({ id, errors: [{ path: 'id', message: expect.any(String) }] });
    }
    expectProblem(await call(t.url, 'GET', '/v1/commands/not-a-uuid', { token: admin }), 400, 'invalid_request');
  });

  it('missing or malformed Authorization → 401', async () => {
    expectProblem(await call(t.url, 'GET', '/v1/auth/me'), 401, 'unauthorized');
    expectProblem(await call(t.url, 'GET', '/v1/auth/me', { headers: { authorization: 'Basic abc' } }), 401, 'unauthorized');
    expectProblem(await call(t.url, 'GET', '/v1/auth/me', { token: 'not.a.jwt' }), 401, 'invalid_token');
  });

  // Found by the hostile-input fuzz (test/fuzz/): each of these was a 500.
  it('text Postgres cannot store (NUL, an unpaired surrogate) → 400 naming the field', async () => {
    const nul = await call(t.url, 'POST', '/v1/auth/login', { body: { username: 'ad\u0000min', password: 'x' } });
    expectProblem(nul, 400, 'invalid_request');
    expect(nul.body.errors).toEqual([{ path: 'username', message: expect.stringContaining('NUL') }]);
    const surrogate = await call(t.url, 'POST', '/v1/auth/login', { rawBody: '{"username":"\\ud800","password":"x"}' });
    expectProblem(surrogate, 400, 'invalid_request');
    expect(surrogate.body.errors).toEqual([{ path: 'username', message: expect.any(String) }]);
    expectProblem(await call(t.url, 'GET', '/v1/audit-events?type=%00', { token: admin }), 400, 'invalid_request');
  });

  it('a body that is not JSON → 415, and nothing happens', async () => {
    const before = await call<{ items: unknown[] }>(t.url, 'GET', '/v1/enrollment-keys', { token: admin });
    const plain = await call(t.url, 'POST', '/v1/enrollment-keys', { token: admin, rawBody: 'hello', headers: { 'content-type': 'text/plain' } });
    expectProblem(plain, 415, 'unsupported_media_type');
    const after = await call<{ items: unknown[] }>(t.url, 'GET', '/v1/enrollment-keys', { token: admin });
    expect(after.body.items).toHaveLength(before.body.items.length);
    const form = await call(t.url, 'POST', '/v1/auth/login', { rawBody: 'username=a&password=b', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expectProblem(form, 415, 'unsupported_media_type');
  });

  it('a compressed body → 415 (bodies are never inflated)', async () => {
    const gzip = await call(t.url, 'POST', '/v1/auth/login', { rawBody: '{"username":"a","password":"b"}', headers: { 'content-encoding': 'gzip' } });
    expectProblem(gzip, 415, 'unsupported_media_type');
  });

  it('a malformed percent-escape in the path → 400; a cursor that names no key → 400', async () => {
    expectProblem(await call(t.url, 'GET', '/v1/users/%ZZ', { token: admin }), 400, 'invalid_request');
    expectProblem(await call(t.url, 'GET', '/v1/enrollment-keys?cursor=zzz', { token: admin }), 400, 'invalid_request');
  });

  it('security headers from helmet are present', async () => {
    const response = await call(t.url, 'GET', '/healthz');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('x-powered-by')).toBeNull();
  });
});
