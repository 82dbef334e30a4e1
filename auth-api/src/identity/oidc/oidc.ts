import { type Logger, subsystemLogger } from '@wirefleet/shared/logging';
import type { Knex } from 'knex';
import type { AuditLog } from '../../platform/audit/index.js';
import type { LoginGuard } from '../../platform/rate-limits/index.js';
import type { SessionStore } from '../sessions/index.js';
import type { AccessTokenIssuer } from '../tokens/index.js';
import type { UserService } from '../users/user-service.js';
import type { UserStore } from '../users/user-store.js';
import { AccountResolver } from './account-resolver.js';
import { OidcFlowStore } from './flow-store.js';
import { OidcIdentityLinks } from './identity-links.js';
import { OidcAdmin } from './oidc-admin.js';
import { OidcService } from './oidc-service.js';
import type { OidcConfig } from './oidc-settings.js';
import { RelyingParty } from './relying-party.js';

/** A hand-off code only has to survive the redirect and one request of the page. */
const HANDOFF_TTL_SECONDS = 60;

export interface Oidc {
  service: OidcService;
  admin: OidcAdmin;
}

/** Wires single sign-on: one relying party per configured provider, the flow store, the account mapping. */
export function createOidc(
  config: OidcConfig,
  clientSecrets: Record<string, string>,
  deps: {
    db: Knex;
    users: UserStore;
    userService: UserService;
    sessions: SessionStore;
    tokens: AccessTokenIssuer;
    guard: LoginGuard;
    audit: AuditLog;
    logger: Logger;
  },
): Oidc {
  const logger = subsystemLogger(deps.logger, 'oidc');
  const providers = new Map(
    config.providers.map((settings) => [
      settings.id,
      new RelyingParty(settings, clientSecrets[settings.id], logger),
    ]),
  );
  const links = new OidcIdentityLinks(deps.db);
  const flows = new OidcFlowStore(deps.db, { flow: config.flowTtlSeconds, handoff: HANDOFF_TTL_SECONDS });
  const accounts = new AccountResolver({ users: deps.users, userService: deps.userService, links });
  const service = new OidcService({ ...deps, providers, flows, accounts, logger });
  const settings = new Map(config.providers.map((provider) => [provider.id, provider]));
  const admin = new OidcAdmin({ providers: settings, users: deps.users, links, audit: deps.audit });
  return { service, admin };
}
