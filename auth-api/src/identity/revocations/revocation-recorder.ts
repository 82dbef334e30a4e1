import { REVOCATION_EVENT, REVOCATION_ROOM, type Revocation, type RevocationStore, parseRevocation } from '@wirefleet/shared/revocations';
import type { Knex } from 'knex';
import { enqueue, type OutboxEvent } from '../../fleet/outbox/index.js';

/** The outbox row that makes the relay store `entry` and announce it to every gateway. */
export function revocationEvent(entry: Revocation): OutboxEvent {
  return { room: REVOCATION_ROOM, event: REVOCATION_EVENT, data: { ...entry } };
}

/**
 * Records revocations for the gateways through the transactional outbox: inside the
 * transaction that revokes (or right after it commits), so a revocation is stored and
 * announced even if Redis is down at that moment — the relay retries until it is back.
 */
export class RevocationRecorder {
  constructor(private readonly deps: { db: Knex; poke(): void; now(): number }) {}

  now(): number {
    return this.deps.now();
  }

  /** With `trx`, the caller pokes after its commit; without, the rows are written and announced now. */
  async record(entries: Revocation[], trx?: Knex.Transaction): Promise<void> {
    await enqueue(trx ?? this.deps.db, entries.map(revocationEvent));
    if (!trx) this.deps.poke();
  }

  poke(): void {
    this.deps.poke();
  }
}

/**
 * The relay's step before it publishes a revocation row: the entry goes to the store first, so
 * a gateway that hears the announcement, or starts right after it, finds it there. A store
 * failure fails the pass, and the row is retried.
 */
export function storeBeforePublish(store: RevocationStore) {
  return async (row: { room: string; data: unknown }): Promise<void> => {
    if (row.room !== REVOCATION_ROOM) return;
    const entry = parseRevocation(row.data);
    if (entry) await store.record(entry);
  };
}
