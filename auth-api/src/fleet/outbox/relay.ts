import type { Bus } from '@wirefleet/shared/bus';
import type { Logger } from '@wirefleet/shared/logging';
import type { Knex } from 'knex';

/** Only one relay publishes at a time across all auth-api instances, which keeps room order. */
const RELAY_LOCK_KEY = 'wirefleet.outbox.relay';
const BATCH = 500;
/**
 * A poke that finds another instance mid-pass tries again this soon: that pass may have read
 * the outbox before the poking commit, and a revocation must reach every gateway within a
 * second, not wait for the next tick.
 */
const BUSY_RETRY_MS = 50;

/** What one pass did: published a full batch (more may wait), less, or nothing (another instance holds the lock). */
type PassOutcome = 'full' | 'partial' | 'busy';

interface OutboxRow {
  id: number;
  room: string;
  event: string;
  data: Record<string, unknown>;
  command_id: string | null;
}

/**
 * Publishes what the outbox and the nodes' revisions say must be announced:
 * - `config.changed {revision}` to `node:<id>` (and `node.config_changed {node_id,
 *   desired_revision}` to `fleet`) for every node whose desired revision is ahead of its
 *   announced revision — the newest revision only (bursts coalesce);
 * - the rows of `outbox_events` in id order (fleet events, commands, node deletions).
 *
 * Each batch runs in a transaction holding a transaction-level advisory lock, so several
 * auth-api instances never publish the same batch concurrently; rows are marked done only
 * after the Bus accepted them. A Bus failure leaves everything in place for the next pass:
 * announcements are at least once, never lost.
 */
export class OutboxRelay {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(
    private readonly db: Knex,
    private readonly bus: Bus,
    private readonly logger: Logger,
    private readonly intervalMs = 1_000,
    /** Runs before each outbox row is published (e.g. stores a revocation); a throw retries the row. */
    private readonly beforePublish: (row: OutboxRow) => Promise<void> = async () => undefined,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.poke(), this.intervalMs);
    this.timer.unref();
    this.poke();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** Asks for a pass now (after a commit); passes never overlap, a poke during one queues another. */
  poke(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain()
      .catch((error: unknown) => this.logger.warn({ err: error }, 'outbox relay pass failed; retrying on the next tick'))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.poke();
        }
      });
  }

  /** Runs passes until nothing is left (or the Bus fails). Returns when done; for tests. */
  async flush(): Promise<void> {
    while (this.running) await this.running;
    await this.drain();
  }

  private async drain(): Promise<void> {
    let outcome: PassOutcome = 'full';
    while (!this.stopped && outcome === 'full') outcome = await this.pass();
    if (outcome === 'busy' && !this.stopped) setTimeout(() => this.poke(), BUSY_RETRY_MS).unref();
  }

  /** One batch. */
  private async pass(): Promise<PassOutcome> {
    return this.db.transaction(async (trx): Promise<PassOutcome> => {
      const { rows } = await trx.raw<{ rows: Array<{ locked: boolean }> }>('SELECT pg_try_advisory_xact_lock(hashtext(?)) AS locked', [
        RELAY_LOCK_KEY,
      ]);
      if (!rows[0]?.locked) return 'busy';
      // Read without row locks: writers (an enrollment bumping every node) must not wait
      // while this pass talks to Redis. Committed revisions only; a bump in flight is
      // announced by the pass its commit pokes.
      const nodes = await trx('nodes')
        .whereRaw('desired_revision > announced_revision')
        .orderBy('id')
        .limit(BATCH)
        .select<Array<{ id: number; desired_revision: number }>>('id', 'desired_revision');
      // Different rooms: these publishes may run concurrently (ioredis pipelines them).
      // The fleet room hears it too, so a dashboard shows the node behind until it applies.
      await Promise.all(
        nodes.flatMap((node) => [
          this.bus.publish(`node:${node.id}`, 'config.changed', { revision: Number(node.desired_revision) }),
          this.bus.publish('fleet', 'node.config_changed', { node_id: Number(node.id), desired_revision: Number(node.desired_revision) }),
        ]),
      );
      if (nodes.length > 0) {
        // Lock the rows only now, briefly, in id order — the order revision bumps lock them in
        // too — so this can wait for a writer but never deadlock with one. Then mark exactly the
        // revisions published: a bump committed meanwhile stays pending.
        await trx('nodes').whereIn('id', nodes.map((node) => node.id)).orderBy('id').forNoKeyUpdate().select('id');
        await trx.raw(
          `UPDATE nodes n SET announced_revision = v.rev
             FROM (SELECT unnest(?::bigint[]) AS id, unnest(?::bigint[]) AS rev) v
            WHERE n.id = v.id AND n.announced_revision < v.rev`,
          [nodes.map((node) => node.id), nodes.map((node) => node.desired_revision)],
        );
      }
      const events = await trx('outbox_events').orderBy('id').limit(BATCH).select<OutboxRow[]>('*');
      // In id order, one at a time: events of one room must keep their order.
      for (const row of events) {
        await this.beforePublish(row);
        await this.bus.publish(row.room, row.event, row.data);
        if (row.command_id) await this.markSent(trx, row.command_id);
      }
      if (events.length > 0) await trx('outbox_events').whereIn('id', events.map((row) => row.id)).delete();
      return nodes.length === BATCH || events.length === BATCH ? 'full' : 'partial';
    });
  }

  /**
   * A command went out to its node's room: `queued` becomes `sent`, announced right behind the
   * command (the `queued` announcement was enqueued before it). Already `sent` (a connecting
   * agent fetched it first) or finished: nothing to announce.
   */
  private async markSent(trx: Knex.Transaction, commandId: string): Promise<void> {
    const [sent] = await trx('commands')
      .where({ id: commandId, status: 'queued' })
      .update({ status: 'sent', sent_at: trx.fn.now() })
      .returning<Array<{ id: string; node_id: number }>>(['id', 'node_id']);
    if (sent) await this.bus.publish('fleet', 'command.updated', { id: sent.id, node_id: Number(sent.node_id), status: 'sent' });
  }
}
