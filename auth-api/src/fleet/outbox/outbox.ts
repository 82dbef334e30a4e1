import type { Knex } from 'knex';

export interface OutboxEvent {
  room: string;
  event: string;
  data: Record<string, unknown>;
  /** For `command` events: the command the relay marks `sent` once it went out. */
  commandId?: string;
}

/**
 * Records announcements inside the transaction of the change they announce, so a committed
 * change is always announced — if Redis is down at commit time, the relay publishes later —
 * and a rolled-back change never is.
 */
export async function enqueue(trx: Knex | Knex.Transaction, events: OutboxEvent[]): Promise<void> {
  if (events.length === 0) return;
  await trx('outbox_events').insert(
    events.map((event) => ({
      room: event.room,
      event: event.event,
      data: JSON.stringify(event.data),
      command_id: event.commandId ?? null,
    })),
  );
}

/**
 * Bumps the desired revision of the given nodes (or of every node of a network). Announcing
 * `config.changed` is the relay's job: it publishes for every node whose desired revision is
 * ahead of the announced one, newest revision only, so a burst of changes is one announcement.
 */
export async function bumpRevisions(
  trx: Knex.Transaction,
  target: { nodeIds: number[] } | { networkId: number; exceptNodeId?: number },
): Promise<number> {
  if ('nodeIds' in target && target.nodeIds.length === 0) return 0;
  // Rows are locked in id order — the order the relay uses too — so two transactions that
  // bump overlapping sets of nodes wait for each other instead of deadlocking. NO KEY UPDATE
  // (what a plain UPDATE of these columns takes): FOR UPDATE would also conflict with the
  // key-share locks that inserting a device or forward takes on its node, and deadlock there.
  const locked = trx('nodes').select('id').orderBy('id').forNoKeyUpdate();
  if ('nodeIds' in target) {
    locked.whereIn('id', target.nodeIds);
  } else {
    locked.where('network_id', target.networkId);
    if (target.exceptNodeId !== undefined) locked.whereNot('id', target.exceptNodeId);
  }
  return trx('nodes')
    .whereIn('id', locked)
    .update({ desired_revision: trx.raw('desired_revision + 1'), updated_at: trx.fn.now() });
}
