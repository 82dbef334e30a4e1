import { randomBytes } from 'node:crypto';
import { WirefleetError } from '@wirefleet/shared/errors';
import type { UserService } from '../users/user-service.js';
import type { UserRecord, UserStore } from '../users/user-store.js';
import type { OidcIdentityLinks } from './identity-links.js';
import { emailDomainAllowed, mappedRole, usernameFor, verifiedEmail } from './identity-mapping.js';
import type { OidcProviderSettings } from './oidc-settings.js';
import type { VerifiedLogin } from './relying-party.js';

/** A refusal after the provider vouched for the user: the stable code and the audited reason. */
export class OidcRefusal extends WirefleetError {
  constructor(
    code: 'oidc_email_not_allowed' | 'oidc_user_unknown',
    readonly reason: string,
  ) {
    super(code);
  }
}

/**
 * Turns a verified provider identity into the local user it is: found by `(issuer, sub)`,
 * never by email; created only when the provider has `jit` on. The email-domain allow-list
 * applies to every login, and a mapped role (from the roles claim) is applied on each login.
 */
export class AccountResolver {
  constructor(
    private readonly deps: { users: UserStore; userService: UserService; links: OidcIdentityLinks },
  ) {}

  async resolve(settings: OidcProviderSettings, login: VerifiedLogin, ip: string): Promise<UserRecord> {
    const email = verifiedEmail(login.claims);
    if (!emailDomainAllowed(settings, email))
      throw new OidcRefusal(
        'oidc_email_not_allowed',
        email ? 'email_domain_not_allowed' : 'email_unverified',
      );
    const role = mappedRole(settings, login.claims);
    const link = await this.deps.links.find(login.issuer, login.subject);
    if (!link) return this.createJustInTime(settings, login, email, role, ip);
    const user = await this.deps.users.findById(link.userId);
    if (!user || user.disabled) throw new OidcRefusal('oidc_user_unknown', 'user_disabled');
    await this.deps.links.touch(link.id, email);
    if (!role || role === user.role) return user;
    try {
      return await this.deps.userService.patch(user.id, { role }, `oidc:${settings.id}`, ip);
    } catch (error) {
      // The last enabled admin is never demoted (409): they keep their role and still sign in.
      if (error instanceof WirefleetError && error.code === 'conflict') return user;
      throw error;
    }
  }

  private async createJustInTime(
    settings: OidcProviderSettings,
    login: VerifiedLogin,
    email: string | undefined,
    role: UserRecord['role'] | undefined,
    ip: string,
  ): Promise<UserRecord> {
    if (!settings.jit) throw new OidcRefusal('oidc_user_unknown', 'no_linked_user');
    // The user signs in through the provider; the password is random and never shown.
    const password = randomBytes(32).toString('base64url');
    const input = { password, role: role ?? settings.defaultRole };
    const actor = `oidc:${settings.id}`;
    let user: UserRecord;
    try {
      user = await this.deps.userService.create(
        { ...input, username: usernameFor(settings.id, login.subject, email) },
        actor,
        ip,
      );
    } catch (error) {
      if (!(error instanceof WirefleetError && error.code === 'conflict')) throw error;
      // The name is taken by someone else: an email never merges accounts.
      const fallback = usernameFor(
        settings.id,
        `${login.subject}-${randomBytes(3).toString('hex')}`,
        undefined,
      );
      user = await this.deps.userService.create({ ...input, username: fallback }, actor, ip);
    }
    await this.deps.links.link({ userId: user.id, provider: settings.id, ...identityOf(login), email });
    return user;
  }
}

function identityOf(login: VerifiedLogin): { issuer: string; subject: string } {
  return { issuer: login.issuer, subject: login.subject };
}
