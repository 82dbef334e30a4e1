import type { Knex } from 'knex';
import type { AuditLog } from '../platform/audit/index.js';
import type { Network } from './network/index.js';

/**
 * What every fleet service that changes the fleet uses: the database, the network it works in,
 * the audit trail, and the outbox relay's wake-up. Each service's own dependencies extend this
 * with the few more it needs; none is handed the whole fleet.
 */
export interface FleetWriteDeps {
  db: Knex;
  network: Network;
  audit: AuditLog;
  /** Tells the outbox relay that a transaction committed announcements. */
  announce(): void;
}
