import { describe, expect, it } from 'vitest';
import { emailDomainAllowed, mappedRole, usernameFor, verifiedEmail } from './identity-mapping.js';
import type { OidcProviderSettings } from './oidc-settings.js';

const settings: OidcProviderSettings = {
  id: 'corp',
  name: 'Corp',
  issuer: 'https://idp.example.com',
  clientId: 'wirefleet',
  redirectUrl: 'https://wf.example.com/v1/auth/oidc/corp/callback',
  scopes: ['openid'],
  jit: false,
  defaultRole: 'viewer',
  allowedEmailDomains: ['example.com'],
  rolesClaim: 'groups',
  roleMap: { admins: 'admin', ops: 'operator', staff: 'viewer' },
};

describe('identity mapping', () => {
  it('uses an email only when the provider says it is verified', () => {
    expect(verifiedEmail({ email: 'A@Example.com', email_verified: true })).toBe('a@example.com');
    expect(verifiedEmail({ email: 'a@example.com', email_verified: false })).toBeUndefined();
    expect(verifiedEmail({ email: 'a@example.com', email_verified: 'true' })).toBeUndefined();
    expect(verifiedEmail({ email_verified: true })).toBeUndefined();
  });

  it('matches allowed domains exactly, and allows everyone when the list is empty', () => {
    expect(emailDomainAllowed(settings, 'a@example.com')).toBe(true);
    expect(emailDomainAllowed(settings, 'a@evil-example.com')).toBe(false);
    expect(emailDomainAllowed(settings, 'a@sub.example.com')).toBe(false);
    expect(emailDomainAllowed(settings, 'a@example.com@evil.com')).toBe(false);
    expect(emailDomainAllowed(settings, undefined)).toBe(false);
    expect(emailDomainAllowed({ ...settings, allowedEmailDomains: [] }, undefined)).toBe(true);
  });

  it('maps the highest role of the roles claim, ignoring unknown and inherited names', () => {
    expect(mappedRole(settings, { groups: ['staff', 'ops'] })).toBe('operator');
    expect(mappedRole(settings, { groups: ['admins', 'ops'] })).toBe('admin');
    expect(mappedRole(settings, { groups: 'staff' })).toBe('viewer');
    expect(mappedRole(settings, { groups: ['toString', 'constructor', 42] })).toBeUndefined();
    expect(mappedRole(settings, {})).toBeUndefined();
    expect(mappedRole({ ...settings, rolesClaim: undefined }, { groups: ['admins'] })).toBeUndefined();
  });

  it('names new users after the verified email or the provider subject, as usernames may be', () => {
    expect(usernameFor('corp', 'abc', 'ann+wf@example.com')).toBe('ann-wf@example.com');
    expect(usernameFor('corp', 'a|b c', undefined)).toBe('corp-a-b-c');
    expect(usernameFor('corp', 'x'.repeat(100), undefined)).toHaveLength(64);
  });
});
