import type { Bus } from '@wirefleet/shared/bus';
import type { IngestDelivery, IngestRecord } from '@wirefleet/shared/ingest';
import type { Logger } from '@wirefleet/shared/logging';
import { FLEET_ROOM } from '@wirefleet/shared/protocol';
import type { Knex } from 'knex';
import { applyByKind, type LockedNode, type Outcome } from './kinds/index.js';

export interface IngestProcessorOptions {
  db: Knex;
  bus: Bus;
  logger: Logger;
  /** Clock in ms; record timestamps ahead of it are clamped to it. */
  now?: () => number;
  /** Called after a batch that enqueued outbox events (pass the relay's `poke`). */
  onChange?: () => void;
}

/**
 * Persists ingest records (node presence, telemetry, config and command results) and enqueues
 * the fleet announcements in the same transaction. Guarantees:
 * - idempotent per record: processing a record again (at-least-once delivery) changes nothing
 *   and enqueues nothing; stale records (older than what is stored, a disconnect of a
 *   connection that was replaced, a result of a finished command) are ignored;
 * - one transaction per record, in batch order; a transient database failure rejects the
 *   batch (so the source redelivers it), while a record the database refuses as data
 *   (SQLSTATE classes 22/23), an invalid payload or an unknown node is logged and skipped;
 * - `node.status` is also published straight to the Bus after commit (lossy telemetry: a Bus
 *   failure is logged, never fails the batch).
 */
export class IngestProcessor {
  private readonly db: Knex;
  private readonly bus: Bus;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly onChange: (() => void) | undefined;

  constructor(options: IngestProcessorOptions) {
    this.db = options.db;
    this.bus = options.bus;
    this.logger = options.logger;
    this.now = options.now ?? Date.now;
    this.onChange = options.onChange;
  }

  async process(deliveries: IngestDelivery[]): Promise<void> {
    let enqueued = false;
    try {
      for (const { id, record } of deliveries) {
        let outcome: Outcome;
        try {
          outcome = await this.db.transaction((trx) => this.apply(trx, record));
        } catch (error) {
          if (!isDataError(error)) throw error;
          this.logger.warn(
            { err: error, id, kind: record.kind, node_id: record.node_id },
            'ingest record refused by the database; skipped',
          );
          continue;
        }
        if (outcome?.events.length) enqueued = true;
        if (outcome?.status) await this.publishStatus(outcome.status);
      }
    } finally {
      // Also after a failure: what committed before it is worth announcing now.
      if (enqueued) this.onChange?.();
    }
  }

  /** Locks the record's node and hands the record to its kind's handler, in one transaction. */
  private async apply(trx: Knex.Transaction, record: IngestRecord): Promise<Outcome> {
    // Gateways stamp records with their clock; one running ahead must not pin last_seen_at.
    const ts = Math.min(record.ts, this.now());
    const node = await lockNode(trx, record.node_id, ts);
    if (!node) {
      this.logger.debug(
        { kind: record.kind, node_id: record.node_id },
        'ingest record for an unknown node; skipped',
      );
      return undefined;
    }
    return applyByKind[record.kind]({ trx, record, node, ts, logger: this.logger });
  }

  private async publishStatus(status: Record<string, unknown>): Promise<void> {
    try {
      await this.bus.publish(FLEET_ROOM, 'node.status', status);
    } catch (error) {
      this.logger.warn(
        { err: error, node_id: status.node_id },
        'publishing node.status failed; dropped (telemetry)',
      );
    }
  }
}

/** The node's row, locked until the record's transaction ends; undefined for an unknown node. */
async function lockNode(trx: Knex.Transaction, nodeId: number, ts: number): Promise<LockedNode | undefined> {
  return await trx('nodes')
    .where('id', nodeId)
    .forUpdate()
    .first<LockedNode | undefined>(
      'online',
      'connection_id',
      'applied_revision',
      'desired_revision',
      'last_error',
      'last_error_revision',
      trx.raw('coalesce(last_seen_at > to_timestamp(?::double precision / 1000), false) AS seen_later', [ts]),
    );
}

/** Postgres refused the values themselves (bad encoding, constraint): retrying cannot help. */
function isDataError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^2[23]/.test(code);
}
