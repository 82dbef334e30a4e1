import { loadAuthApiConfig, startAuthApi } from '@wirefleet/auth-api';
import { createLogger } from '@wirefleet/shared/logging';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_PASSWORD,
  ADMIN_USERNAME,
  call,
  login,
  startTestAuthApi,
  TEST_ISSUER,
  type TestAuthApi,
} from '../../../../test/support/auth-api.js';
import {
  loginAtProvider,
  startTestOpenIdProvider,
  type TestOpenIdProvider,
} from '../../../../test/support/oidc-provider.js';

let api: TestAuthApi;
let corp: TestOpenIdProvider;
let other: TestOpenIdProvider;
let adminToken: string;
let oidcEnv: Record<string, string>;

const SCOPES = ['openid', 'email', 'profile', 'groups'];

beforeAll(async () => {
  [corp, other] = await Promise.all([
    startTestOpenIdProvider({ redirectUris: [`${TEST_ISSUER}/v1/auth/oidc/corp/callback`] }),
    startTestOpenIdProvider({
      redirectUris: [`${TEST_ISSUER}/v1/auth/oidc/other/callback`],
      clientId: 'other-client',
    }),
  ]);
  const providers = [
    {
      ...{ id: 'corp', name: 'Corp SSO', issuer: corp.issuer, client_id: corp.clientId, scopes: SCOPES },
      ...{ jit: true, allowed_email_domains: ['example.test'], roles_claim: 'groups' },
      role_map: { 'wf-admins': 'admin', 'wf-ops': 'operator' },
    },
    { id: 'other', name: 'Other IdP', issuer: other.issuer, client_id: other.clientId, scopes: SCOPES },
  ];
  oidcEnv = {
    OIDC_PROVIDERS: JSON.stringify(providers),
    OIDC_CORP_CLIENT_SECRET: corp.clientSecret,
    OIDC_OTHER_CLIENT_SECRET: other.clientSecret,
  };
  api = await startTestAuthApi({ env: oidcEnv });
  adminToken = (await login(api.url)).access_token;
});

afterAll(async () => {
  await api?.close();
  await Promise.all([corp?.close(), other?.close()]);
});

/** Start at the auth-api, log in at the provider as `account`, and return the callback's redirect. */
async function signIn(
  provider: string,
  account: string,
  alter?: (callback: URL) => void,
  finishAt = api.url,
): Promise<string> {
  const started = await fetch(`${api.url}/v1/auth/oidc/${provider}/start?return_to=/nodes`, {
    redirect: 'manual',
  });
  expect(started.status).toBe(303);
  const callback = await loginAtProvider(started.headers.get('location')!, account);
  expect(callback.origin + callback.pathname).toBe(`${TEST_ISSUER}/v1/auth/oidc/${provider}/callback`);
  alter?.(callback);
  const finished = await fetch(finishAt + callback.pathname + callback.search, { redirect: 'manual' });
  expect(finished.status).toBe(303);
  return finished.headers.get('location')!;
}

function fragment(location: string): URLSearchParams {
  return new URLSearchParams(location.slice(location.indexOf('#') + 1));
}

async function exchange(location: string) {
  const code = fragment(location).get('oidc_code');
  expect(code, location).toBeTruthy();
  return call<{ access_token: string; refresh_token: string }>(api.url, 'POST', '/v1/auth/oidc/exchange', {
    body: { code },
  });
}

async function lastFailure(): Promise<Record<string, unknown>> {
  const events = await call<{ items: Array<{ data: Record<string, unknown> }> }>(
    api.url,
    'GET',
    '/v1/audit-events?type=auth.login_failed',
    { token: adminToken },
  );
  return events.body.items[0]!.data;
}

async function expectRefused(location: string, code: string, detail?: string | RegExp): Promise<void> {
  expect(fragment(location).get('oidc_error')).toBe(code);
  expect(location).not.toContain('oidc_code');
  const data = await lastFailure();
  expect(data).toMatchObject({ method: 'oidc', reason: code });
  if (detail) expect(String(data.detail)).toMatch(detail);
}

describe('single sign-on with OpenID Connect', () => {
  it('lists the configured providers for the login page', async () => {
    const response = await call(api.url, 'GET', '/v1/auth/oidc/providers');
    expect(response.body).toEqual({
      items: [
        { id: 'corp', name: 'Corp SSO' },
        { id: 'other', name: 'Other IdP' },
      ],
    });
  });

  it('ends in an ordinary session: tokens, refresh rotation, logout, audit with the provider', async () => {
    corp.accounts.set('alice', { email: 'alice@example.test', email_verified: true, groups: ['wf-admins'] });
    const location = await signIn('corp', 'alice');
    expect(location).toMatch(/^\/nodes#oidc_code=wfo_/);
    const pair = await exchange(location);
    expect(pair.status).toBe(200);
    const me = await call(api.url, 'GET', '/v1/auth/me', { token: pair.body.access_token });
    expect(me.body).toMatchObject({ username: 'alice@example.test', role: 'admin' });
    // The one-time code is spent.
    const again = await exchange(location);
    expect(again.status).toBe(401);
    expect(again.body).toMatchObject({ code: 'oidc_code_invalid' });
    const refreshed = await call<{ refresh_token: string }>(api.url, 'POST', '/v1/auth/refresh', {
      body: { refresh_token: pair.body.refresh_token },
    });
    expect(refreshed.status).toBe(200);
    const logins = await call<{ items: Array<{ subject: string; data: Record<string, unknown> }> }>(
      api.url,
      'GET',
      '/v1/audit-events?type=auth.login',
      { token: adminToken },
    );
    expect(logins.body.items[0]).toMatchObject({
      subject: `user:${(me.body as { id: number }).id}`,
      data: { method: 'oidc', provider: 'corp' },
    });
    const out = await call(api.url, 'POST', '/v1/auth/logout', {
      token: pair.body.access_token,
      body: { refresh_token: refreshed.body.refresh_token },
    });
    expect(out.status).toBe(204);
    const dead = await call(api.url, 'POST', '/v1/auth/refresh', {
      body: { refresh_token: refreshed.body.refresh_token },
    });
    expect(dead.body).toMatchObject({ code: 'invalid_grant' });
  });

  it('maps roles from the groups claim and links by (issuer, sub) on later logins', async () => {
    corp.accounts.set('olga', {
      email: 'olga@example.test',
      email_verified: true,
      groups: ['staff', 'wf-ops'],
    });
    const first = await exchange(await signIn('corp', 'olga'));
    const me = await call<{ id: number; role: string }>(api.url, 'GET', '/v1/auth/me', {
      token: first.body.access_token,
    });
    expect(me.body.role).toBe('operator');
    corp.accounts.set('olga', { email: 'olga@example.test', email_verified: true, groups: ['wf-admins'] });
    const second = await exchange(await signIn('corp', 'olga'));
    const again = await call<{ id: number; role: string }>(api.url, 'GET', '/v1/auth/me', {
      token: second.body.access_token,
    });
    expect(again.body).toEqual(expect.objectContaining({ id: me.body.id, role: 'admin' }));
  });

  it('finishes at another instance a login started at one (the flow lives in Postgres)', async () => {
    const { config, secrets } = loadAuthApiConfig({
      ...{
        AUTH_API_HOST: '127.0.0.1',
        AUTH_API_PORT: '0',
        AUTH_PUBLIC_URL: TEST_ISSUER,
        DATABASE_URL: api.db.url,
      },
      ...{ REDIS_URL: api.redis!.url, REDIS_KEY_PREFIX: api.redis!.prefix, JWT_KEYS_DIR: api.keysDir },
      ...oidcEnv,
    });
    const second = await startAuthApi(config, secrets, {
      logger: createLogger({ service: 'auth-api', level: 'silent' }),
    });
    try {
      const location = await signIn('corp', 'alice', undefined, second.url);
      const pair = await exchange(location);
      expect(pair.status).toBe(200);
    } finally {
      await second.close();
    }
  });

  it('refuses a wrong state', async () => {
    const location = await signIn('corp', 'alice', (callback) =>
      callback.searchParams.set('state', 'forged-state'),
    );
    await expectRefused(location, 'oidc_state_invalid', 'state_unknown');
  });

  it('refuses a replayed authorization code', async () => {
    let used: string | undefined;
    await exchange(
      await signIn('corp', 'alice', (callback) => {
        used = callback.searchParams.get('code')!;
      }),
    );
    const location = await signIn('corp', 'alice', (callback) => callback.searchParams.set('code', used!));
    await expectRefused(location, 'oidc_login_failed', /^provider_invalid_grant$/);
  });

  it.each([
    [
      'a nonce mismatch',
      (claims: Record<string, unknown>) => ({ claims: { ...claims, nonce: 'not-the-nonce' } }),
      /nonce/,
    ],
    [
      'an expired ID token',
      (claims: Record<string, unknown>) => ({ claims: { ...claims, iat: 1_000_000, exp: 1_000_600 } }),
      /expired|invalid/,
    ],
    [
      'a forged ID token',
      (claims: Record<string, unknown>) => ({ claims, forge: true }),
      /signature|invalid/,
    ],
  ])('refuses %s', async (_name, tamper, detail) => {
    corp.tamper = tamper;
    try {
      await expectRefused(await signIn('corp', 'alice'), 'oidc_login_failed', detail);
    } finally {
      corp.tamper = undefined;
    }
  });

  it('refuses an email outside the allowed domains, and an unverified one', async () => {
    corp.accounts.set('mallory', { email: 'mallory@evil.test', email_verified: true });
    await expectRefused(
      await signIn('corp', 'mallory'),
      'oidc_email_not_allowed',
      'email_domain_not_allowed',
    );
    corp.accounts.set('eve', { email: 'eve@example.test', email_verified: false });
    await expectRefused(await signIn('corp', 'eve'), 'oidc_email_not_allowed', 'email_unverified');
  });

  it('refuses an unknown user when just-in-time creation is off', async () => {
    await expectRefused(await signIn('other', 'stranger'), 'oidc_user_unknown', 'no_linked_user');
  });

  it('lets an admin link an identity to an existing user (two providers at once)', async () => {
    const created = await call<{ id: number }>(api.url, 'POST', '/v1/users', {
      token: adminToken,
      body: { username: 'bob', password: 'bob password long enough', role: 'viewer' },
    });
    const linked = await call(api.url, 'POST', `/v1/users/${created.body.id}/oidc-identities`, {
      token: adminToken,
      body: { provider: 'other', subject: 'bob-at-other' },
    });
    expect(linked.status).toBe(201);
    expect(linked.body).toMatchObject({ provider: 'other', issuer: other.issuer, subject: 'bob-at-other' });
    const pair = await exchange(await signIn('other', 'bob-at-other'));
    const me = await call(api.url, 'GET', '/v1/auth/me', { token: pair.body.access_token });
    expect(me.body).toMatchObject({ id: created.body.id, username: 'bob' });
    const duplicate = await call(api.url, 'POST', `/v1/users/1/oidc-identities`, {
      token: adminToken,
      body: { provider: 'other', subject: 'bob-at-other' },
    });
    expect(duplicate.body).toMatchObject({ code: 'conflict' });
  });

  it('writes no token, code or client secret into a log line', () => {
    const secrets = [corp.clientSecret, other.clientSecret];
    for (const line of api.logLines) {
      for (const secret of secrets) expect(line).not.toContain(secret);
      expect(line).not.toMatch(/wfo_|wfr_|eyJ[\w-]+\.eyJ/);
    }
  });

  it('refuses an unknown provider', async () => {
    const started = await fetch(`${api.url}/v1/auth/oidc/nobody/start`, { redirect: 'manual' });
    expect(started.status).toBe(404);
  });
});

describe('password login for admins only (PASSWORD_LOGIN=admins)', () => {
  let locked: TestAuthApi;
  beforeAll(async () => {
    locked = await startTestAuthApi({ env: { PASSWORD_LOGIN: 'admins' } });
  });
  afterAll(async () => {
    await locked?.close();
  });

  it('keeps the admins (break-glass) and refuses everyone else', async () => {
    const admin = await login(locked.url, ADMIN_USERNAME, ADMIN_PASSWORD);
    await call(locked.url, 'POST', '/v1/users', {
      token: admin.access_token,
      body: { username: 'vera', password: 'vera password long enough', role: 'operator' },
    });
    const refused = await call(locked.url, 'POST', '/v1/auth/login', {
      body: { username: 'vera', password: 'vera password long enough' },
    });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ code: 'password_login_disabled' });
    const wrong = await call(locked.url, 'POST', '/v1/auth/login', {
      body: { username: 'vera', password: 'wrong password here' },
    });
    expect(wrong.body).toMatchObject({ code: 'invalid_credentials' });
  });
});
