import type { UserRole } from '@wirefleet/shared/tokens';
import type { OidcProviderSettings } from './oidc-settings.js';

const RANK: Record<UserRole, number> = { viewer: 1, operator: 2, admin: 3 };

/** The email of an ID token, only when the provider says it is verified (`email_verified: true`). */
export function verifiedEmail(claims: Record<string, unknown>): string | undefined {
  const email = claims.email;
  if (typeof email !== 'string' || claims.email_verified !== true) return undefined;
  return email.toLowerCase();
}

/**
 * Whether the provider's email-domain allow-list lets this login in: an empty list allows
 * everyone; otherwise a verified email in one of the domains (exact match after `@`) is needed.
 */
export function emailDomainAllowed(settings: OidcProviderSettings, email: string | undefined): boolean {
  if (settings.allowedEmailDomains.length === 0) return true;
  if (!email) return false;
  const domain = email.slice(email.lastIndexOf('@') + 1);
  return settings.allowedEmailDomains.includes(domain);
}

/**
 * The role `settings.roleMap` gives the values of the `rolesClaim` claim (a list, or one
 * string); the highest wins. Undefined when no claim is configured or no value maps.
 */
export function mappedRole(
  settings: OidcProviderSettings,
  claims: Record<string, unknown>,
): UserRole | undefined {
  if (!settings.rolesClaim) return undefined;
  const raw = claims[settings.rolesClaim];
  const values = Array.isArray(raw) ? raw : [raw];
  let best: UserRole | undefined;
  for (const value of values) {
    if (typeof value !== 'string' || !Object.hasOwn(settings.roleMap, value)) continue;
    const role = settings.roleMap[value]!;
    if (!best || RANK[role] > RANK[best]) best = role;
  }
  return best;
}

/**
 * A username for a user created on first login: the verified email, else `<provider>-<sub>`,
 * with characters usernames may not hold replaced by `-` (the link, not the name, identifies).
 */
export function usernameFor(provider: string, subject: string, email: string | undefined): string {
  const name = (email ?? `${provider}-${subject}`)
    .replace(/[^A-Za-z0-9._@-]/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '');
  return (name || `${provider}-user`).slice(0, 64);
}
