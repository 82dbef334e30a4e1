import type { Logger } from '@wirefleet/shared/logging';
import type { Knex } from 'knex';

export interface OfflineSweeperOptions {
  db: Knex;
  logger: Logger;
  /** A node silent this long is offline: two missed 15 s heartbeats plus slack. */
  staleAfterMs?: number;
  intervalMs?: number;
  /** Called after a sweep that enqueued outbox events (pass the relay's `poke`). */
  onChange?: () => void;
}

/**
 * Marks nodes offline whose heartbeats stopped — also when their gateway died and no
 * disconnect ever arrives — and expires commands past `expires_at`. Guarantees:
 * - each change and its announcement (`node.offline {node_id, reason: 'heartbeat_timeout'}`,
 *   `command.updated {id, node_id, status: 'expired'}` to `fleet`) are one SQL statement, so
 *   they commit together or not at all;
 * - safe with several auth-api instances sweeping at once: the UPDATE re-checks its condition
 *   on the locked row, so a node or command is transitioned (and announced) exactly once;
 * - times come from the database clock, the one `last_seen_at` and `expires_at` are compared to;
 * - sweeps never overlap; a failed sweep is logged and retried on the next tick.
 */
export class OfflineSweeper {
  private readonly db: Knex;
  private readonly logger: Logger;
  private readonly staleAfterMs: number;
  private readonly intervalMs: number;
  private readonly onChange: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(options: OfflineSweeperOptions) {
    this.db = options.db;
    this.logger = options.logger;
    this.staleAfterMs = options.staleAfterMs ?? 2 * 15_000 + 5_000;
    this.intervalMs = options.intervalMs ?? 5_000;
    this.onChange = options.onChange;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
    this.tick();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One sweep; resolves with how many nodes went offline and how many commands expired. */
  async sweepOnce(): Promise<{ offline: number; expired: number }> {
    const offline = await this.db.raw<{ rowCount: number }>(
      `WITH gone AS (
         UPDATE nodes SET online = false, connection_id = NULL
          WHERE online AND (last_seen_at IS NULL OR last_seen_at < now() - make_interval(secs => ?::double precision / 1000))
          RETURNING id)
       INSERT INTO outbox_events (room, event, data)
       SELECT 'fleet', 'node.offline', jsonb_build_object('node_id', id, 'reason', 'heartbeat_timeout') FROM gone ORDER BY id`,
      [this.staleAfterMs],
    );
    const expired = await this.db.raw<{ rowCount: number }>(
      `WITH expired AS (
         UPDATE commands SET status = 'expired', completed_at = now()
          WHERE status IN ('queued', 'sent') AND expires_at < now()
          RETURNING id, node_id)
       INSERT INTO outbox_events (room, event, data)
       SELECT 'fleet', 'command.updated', jsonb_build_object('id', id, 'node_id', node_id, 'status', 'expired')
         FROM expired ORDER BY node_id, id`,
    );
    const result = { offline: offline.rowCount, expired: expired.rowCount };
    if (result.offline > 0 || result.expired > 0) {
      this.logger.info(result, 'offline sweep');
      this.onChange?.();
    }
    return result;
  }

  private tick(): void {
    if (this.running) return;
    this.running = this.sweepOnce()
      .catch((error: unknown) =>
        this.logger.warn({ err: error }, 'offline sweep failed; retrying on the next tick'),
      )
      .finally(() => {
        this.running = undefined;
      });
  }
}
