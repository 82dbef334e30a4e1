import type { Bus } from '@wirefleet/shared/bus';
import type { Logger } from '@wirefleet/shared/logging';
import type { Knex } from 'knex';
import type { AuditLog } from '../audit/index.js';
import type { AuthApiConfig } from '../config.js';
import type { Keyring } from '../identity/keys/index.js';
import type { AccessTokenIssuer } from '../identity/tokens/index.js';
import type { FleetGuard } from './fleet-guard.js';
import type { Network } from './network/index.js';

/** What the fleet services share. Each service takes this one object; none takes the app. */
export interface FleetDeps {
  db: Knex;
  network: Network;
  audit: AuditLog;
  bus: Bus;
  keyring: Keyring;
  tokens: AccessTokenIssuer;
  /** The fleet's own guess limits (enrollment keys, node secrets). */
  guard: FleetGuard;
  config: AuthApiConfig['fleet'];
  /** The service's root logger: each part of the fleet takes its own subsystem logger from it, once. */
  logger: Logger;
  /** Tells the outbox relay that a transaction committed announcements. */
  announce(): void;
}
