import { describe, expect, it } from 'vitest';
import { loadAuthApiConfig } from '../../config.js';

const base = { AUTH_API_PORT: '8080', AUTH_PUBLIC_URL: 'https://wf.example.com' };
const provider = { id: 'corp', name: 'Corp SSO', issuer: 'https://idp.example.com', client_id: 'wirefleet' };

function load(env: Record<string, string>) {
  return loadAuthApiConfig({ ...base, ...env });
}

describe('OIDC settings', () => {
  it('reads providers with their defaults, and the secret apart from the config', () => {
    const { config, secrets } = load({
      OIDC_PROVIDERS: JSON.stringify([provider]),
      OIDC_CORP_CLIENT_SECRET: 's3cret',
    });
    expect(config.oidc.providers).toEqual([
      expect.objectContaining({
        id: 'corp',
        redirectUrl: 'https://wf.example.com/v1/auth/oidc/corp/callback',
        scopes: ['openid', 'email', 'profile'],
        jit: false,
        defaultRole: 'viewer',
      }),
    ]);
    expect(config.oidc.passwordLogin).toBe('all');
    expect(secrets.oidcClientSecrets).toEqual({ corp: 's3cret' });
    expect(JSON.stringify(config)).not.toContain('s3cret');
  });

  it.each([
    ['not JSON', '{oops', /OIDC_PROVIDERS: expected a JSON array/],
    ['an unknown field', JSON.stringify([{ ...provider, client_secret: 'x' }]), /OIDC_PROVIDERS/],
    ['a duplicate id', JSON.stringify([provider, provider]), /OIDC_PROVIDERS: provider ids must be distinct/],
    [
      'scopes without openid',
      JSON.stringify([{ ...provider, scopes: ['email'] }]),
      /scopes must include openid/,
    ],
    [
      'an http issuer off loopback',
      JSON.stringify([{ ...provider, issuer: 'http://idp.example.com' }]),
      /OIDC_PROVIDERS at 0.issuer: an http issuer/,
    ],
    [
      'a role that does not exist',
      JSON.stringify([{ ...provider, role_map: { g: 'root' } }]),
      /OIDC_PROVIDERS/,
    ],
  ])('refuses %s naming the variable', (_name, value, message) => {
    expect(() => load({ OIDC_PROVIDERS: value })).toThrow(message);
  });

  it('never echoes a secret given in the wrong place', () => {
    const value = JSON.stringify([{ ...provider, client_secret: 'do-not-print-me' }]);
    expect(() => load({ OIDC_PROVIDERS: value })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('do-not-print-me') }),
    );
  });

  it('names an unreadable secret file', () => {
    const value = JSON.stringify([{ ...provider, client_secret_file: '/nonexistent/secret' }]);
    expect(() => load({ OIDC_PROVIDERS: value })).toThrow(
      /OIDC_PROVIDERS: client_secret_file of provider corp cannot be read/,
    );
  });
});
