import { WirefleetError } from '@wirefleet/shared/errors';
import type { AuditLog } from '../../platform/audit/index.js';
import type { UserStore } from '../users/user-store.js';
import type { OidcIdentity, OidcIdentityLinks } from './identity-links.js';
import type { OidcProviderSettings } from './oidc-settings.js';

/** A link as the API shows it. */
export function toPublicIdentity(identity: OidcIdentity) {
  return {
    id: identity.id,
    user_id: identity.userId,
    provider: identity.provider,
    issuer: identity.issuer,
    subject: identity.subject,
    email: identity.email,
    created_at: identity.createdAt.toISOString(),
    last_login_at: identity.lastLoginAt?.toISOString() ?? null,
  };
}

/**
 * What an admin does with links: list a user's, link an identity (the provider's `sub`) to an
 * existing local user — how accounts that predate single sign-on move over — and unlink.
 */
export class OidcAdmin {
  constructor(
    private readonly deps: {
      providers: ReadonlyMap<string, OidcProviderSettings>;
      users: UserStore;
      links: OidcIdentityLinks;
      audit: AuditLog;
    },
  ) {}

  async list(userId: number) {
    if (!(await this.deps.users.findById(userId))) throw new WirefleetError('not_found');
    return (await this.deps.links.listForUser(userId)).map(toPublicIdentity);
  }

  async link(userId: number, input: { provider: string; subject: string }, actor: string, ip: string) {
    const settings = this.deps.providers.get(input.provider);
    if (!settings) throw new WirefleetError('not_found', { detail: 'no such sign-on provider' });
    if (!(await this.deps.users.findById(userId))) throw new WirefleetError('not_found');
    const linked = await this.deps.links.link({
      userId,
      provider: settings.id,
      issuer: settings.issuer,
      subject: input.subject,
    });
    await this.deps.audit.record({
      type: 'user.oidc_linked',
      actor,
      subject: `user:${userId}`,
      ip,
      data: { provider: settings.id, issuer: settings.issuer, sub: input.subject },
    });
    return toPublicIdentity(linked);
  }

  async unlink(identityId: number, actor: string, ip: string): Promise<boolean> {
    const removed = await this.deps.links.remove(identityId);
    if (!removed) return false;
    await this.deps.audit.record({
      type: 'user.oidc_unlinked',
      actor,
      subject: `user:${removed.userId}`,
      ip,
      data: { provider: removed.provider, issuer: removed.issuer, sub: removed.subject },
    });
    return true;
  }
}
