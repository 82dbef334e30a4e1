import { afterEach, describe, expect, it } from 'vitest';
import { HttpClient } from '../api/http-client.js';
import { Session } from './session.js';

const me = {
  id: 3,
  username: 'carol@example.test',
  role: 'admin',
  totp_enabled: false,
  disabled: false,
  created_at: '',
  updated_at: '',
  last_login_at: null,
};
const pair = {
  access_token: 'access-1',
  token_type: 'Bearer',
  expires_in: 900,
  refresh_token: 'refresh-1',
  refresh_expires_in: 86400,
};
const reply = (status: number, body: unknown, type = 'application/json') =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': type } });

/** A session over a scripted API, restored from the page's current URL. */
async function restoreAt(hash: string, answer: (url: string, body: unknown) => Response) {
  history.replaceState(null, '', `/nodes${hash}`);
  const items = new Map<string, string>();
  const storage = {
    getItem: (k: string) => items.get(k) ?? null,
    setItem: (k: string, v: string) => void items.set(k, v),
    removeItem: (k: string) => void items.delete(k),
  };
  const requests: Array<{ url: string; body: unknown }> = [];
  let session!: Session;
  const http = new HttpClient({
    baseUrl: '',
    accessToken: () => session.accessToken(),
    renewAfterRefusal: () => session.renewAfterRefusal(),
    fetch: (async (url: string, init: RequestInit) => {
      const body = init.body ? JSON.parse(String(init.body)) : undefined;
      requests.push({ url: String(url), body });
      return answer(String(url), body);
    }) as typeof fetch,
  });
  session = new Session({ http, storage, setTimer: () => 0, clearTimer: () => undefined });
  await session.restore();
  return { session, items, requests };
}

afterEach(() => history.replaceState(null, '', '/'));

describe('Session after single sign-on', () => {
  it('exchanges the one-time code from the fragment for a session and clears the fragment', async () => {
    const { session, items, requests } = await restoreAt('#oidc_code=wfo_one', (url) =>
      url === '/v1/auth/oidc/exchange' ? reply(200, pair) : reply(200, me),
    );
    expect(requests[0]).toEqual({ url: '/v1/auth/oidc/exchange', body: { code: 'wfo_one' } });
    expect(session.state.get()).toEqual({ kind: 'signed-in', user: me });
    expect(items.get('wirefleet.refresh_token')).toBe('refresh-1');
    expect(location.hash).toBe('');
    expect(location.pathname).toBe('/nodes');
  });

  it('says why when the provider identity was refused', async () => {
    const { session, requests } = await restoreAt('#oidc_error=oidc_email_not_allowed', () => reply(500, {}));
    expect(requests).toEqual([]);
    expect(session.state.get()).toEqual({
      kind: 'signed-out',
      reason: 'Your email address may not sign in to Wirefleet.',
    });
    expect(location.hash).toBe('');
  });

  it('says so when the code was already used or expired', async () => {
    const { session } = await restoreAt('#oidc_code=wfo_old', () =>
      reply(401, { status: 401, code: 'oidc_code_invalid', title: 'x' }, 'application/problem+json'),
    );
    expect(session.state.get()).toEqual({ kind: 'signed-out', reason: 'That sign-in expired. Try again.' });
  });
});
