import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/api-error.js';
import { HttpClient } from '../api/http-client.js';
import { Session } from './session.js';

const pair = (n: number) => ({ access_token: `access-${n}`, token_type: 'Bearer', expires_in: 900, refresh_token: `refresh-${n}`, refresh_expires_in: 86400 });
const me = { id: 1, username: 'admin', role: 'admin', totp_enabled: false, disabled: false, created_at: '', updated_at: '', last_login_at: null };
const problem = (status: number, code: string) => new Response(JSON.stringify({ status, code, title: code }), { status, headers: { 'content-type': 'application/problem+json' } });
const json = (body: unknown) => new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });

function memoryStorage() {
  const items = new Map<string, string>();
  return { getItem: (k: string) => items.get(k) ?? null, setItem: (k: string, v: string) => void items.set(k, v), removeItem: (k: string) => void items.delete(k), items };
}

/** A session over a scripted API; timers are collected, not run, so the test fires them. */
function setup(answer: (url: string, body: Record<string, unknown> | undefined, auth: string | undefined) => Response | Promise<Response>) {
  const storage = memoryStorage();
  const timers: Array<{ callback: () => void; ms: number }> = [];
  const requests: string[] = [];
  let session!: Session;
  const http = new HttpClient({
    baseUrl: '',
    accessToken: () => session.accessToken(),
    renewAfterRefusal: () => session.renewAfterRefusal(),
    fetch: (async (url: string, init: RequestInit) => {
      requests.push(String(url));
      const headers = init.headers as Record<string, string>;
      return answer(String(url), init.body ? JSON.parse(String(init.body)) : undefined, headers.authorization);
    }) as typeof fetch,
  });
  session = new Session({ http, storage, setTimer: (callback, ms) => timers.push({ callback, ms }), clearTimer: () => undefined });
  return { session, storage, timers, requests };
}

describe('Session', () => {
  it('asks for the TOTP code when the account needs one, then signs in with it', async () => {
    const { session, storage } = setup((url, body) => {
      if (url === '/v1/auth/login') return body?.totp_code === '123456' ? json(pair(1)) : problem(401, 'totp_required');
      return json(me);
    });
    expect(await session.signIn('admin', 'pw')).toBe('totp_required');
    expect(session.state.get().kind).toBe('restoring');
    expect(await session.signIn('admin', 'pw', '123456')).toBe('signed-in');
    expect(session.state.get()).toEqual({ kind: 'signed-in', user: me });
    expect(storage.items.get('wirefleet.refresh_token')).toBe('refresh-1');
  });

  it('a wrong password is an ApiError with the catalogue code', async () => {
    const { session } = setup(() => problem(401, 'invalid_credentials'));
    await expect(session.signIn('admin', 'nope')).rejects.toMatchObject({ code: 'invalid_credentials' });
  });

  it('schedules the refresh well before expiry (80 % of a 15-minute token) and rotates the pair', async () => {
    let refreshes = 0;
    const { session, timers, storage } = setup((url, body) => {
      if (url === '/v1/auth/login') return json(pair(1));
      if (url === '/v1/auth/refresh') {
        refreshes += 1;
        expect(body).toEqual({ refresh_token: 'refresh-1' });
        return json(pair(2));
      }
      return json(me);
    });
    await session.signIn('admin', 'pw');
    expect(timers.at(-1)!.ms).toBe(720_000);
    timers.at(-1)!.callback();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(refreshes).toBe(1);
    expect(await session.accessToken()).toBe('access-2');
    expect(storage.items.get('wirefleet.refresh_token')).toBe('refresh-2');
  });

  it('concurrent refreshes share one request (the API spends a refresh token on use)', async () => {
    let refreshes = 0;
    const { session } = setup(async (url) => {
      if (url === '/v1/auth/login') return json(pair(1));
      if (url === '/v1/auth/refresh') {
        refreshes += 1;
        await new Promise((resolve) => setTimeout(resolve, 5));
        return json(pair(2));
      }
      return json(me);
    });
    await session.signIn('admin', 'pw');
    const tokens = await Promise.all([session.refresh(), session.refresh(), session.refresh()]);
    expect(tokens).toEqual(['access-2', 'access-2', 'access-2']);
    expect(refreshes).toBe(1);
  });

  it('a refused refresh ends the session with words for the sign-in page', async () => {
    const { session, storage } = setup((url) => (url === '/v1/auth/login' ? json(pair(1)) : url === '/v1/auth/refresh' ? problem(401, 'token_reused') : json(me)));
    await session.signIn('admin', 'pw');
    await expect(session.refresh()).rejects.toBeInstanceOf(ApiError);
    expect(session.state.get()).toEqual({ kind: 'signed-out', reason: 'Your session has ended. Sign in again.' });
    expect(storage.items.has('wirefleet.refresh_token')).toBe(false);
  });

  it('a reload reuses the stored access token while it has life left, without a refresh', async () => {
    const { session, storage, requests } = setup(() => json(me));
    storage.setItem('wirefleet.refresh_token', 'refresh-4');
    storage.setItem('wirefleet.access_token', `access-4 ${Date.now() + 600_000}`);
    await session.restore();
    expect(session.state.get().kind).toBe('signed-in');
    expect(await session.accessToken()).toBe('access-4');
    expect(requests).toEqual(['/v1/auth/me']);
  });

  it('restores a tab’s session from its stored refresh token', async () => {
    const { session, storage } = setup((url) => (url === '/v1/auth/refresh' ? json(pair(5)) : json(me)));
    storage.setItem('wirefleet.refresh_token', 'refresh-4');
    await session.restore();
    expect(session.state.get().kind).toBe('signed-in');
    expect(await session.accessToken()).toBe('access-5');
  });

  it('a 401 on an API call refreshes once and retries with the new token', async () => {
    const { session } = setup((url, _body, auth) => {
      if (url === '/v1/auth/login') return json(pair(1));
      if (url === '/v1/auth/refresh') return json(pair(2));
      if (url === '/v1/nodes') return auth === 'Bearer access-2' ? json({ items: [] }) : problem(401, 'invalid_token');
      return json(me);
    });
    await session.signIn('admin', 'pw');
    const http = (session as unknown as { options: { http: HttpClient } }).options.http;
    expect(await http.get('/v1/nodes')).toEqual({ items: [] });
  });

  it('sign-out revokes the session at the API and forgets the tokens', async () => {
    const { session, requests, storage } = setup((url) => (url === '/v1/auth/login' ? json(pair(1)) : url === '/v1/auth/logout' ? new Response(null, { status: 204 }) : json(me)));
    await session.signIn('admin', 'pw');
    await session.signOut();
    expect(requests).toContain('/v1/auth/logout');
    expect(session.state.get()).toEqual({ kind: 'signed-out' });
    expect(storage.items.size).toBe(0);
    expect(await session.accessToken()).toBeUndefined();
  });
});
