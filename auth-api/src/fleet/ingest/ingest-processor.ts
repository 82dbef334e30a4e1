import type { Bus } from '@wirefleet/shared/bus';
import type { IngestDelivery, IngestRecord } from '@wirefleet/shared/ingest';
import type { Logger } from '@wirefleet/shared/logging';
import { commandResultEventData, configAppliedEventData, statusEventData } from '@wirefleet/shared/protocol';
import type { Knex } from 'knex';
import type { z } from 'zod';
import { enqueue, type OutboxEvent } from '../outbox/index.js';

export interface IngestProcessorOptions {
  db: Knex;
  bus: Bus;
  logger: Logger;
  /** Clock in ms; record timestamps ahead of it are clamped to it. */
  now?: () => number;
  /** Called after a batch that enqueued outbox events (pass the relay's `poke`). */
  onChange?: () => void;
}

const FLEET_ROOM = 'fleet';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface LockedNode {
  online: boolean;
  connection_id: string | null;
  applied_revision: string | null;
  desired_revision: string;
  last_error: string | null;
  /** The revision whose failed apply `last_error` reports (null: none, or before every revision). */
  last_error_revision: string | null;
  /** The stored last_seen_at is newer than the record: it is out of order. */
  seen_later: boolean;
}

type Outcome = { events: OutboxEvent[]; status?: Record<string, unknown> } | undefined;

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

  private async apply(trx: Knex.Transaction, record: IngestRecord): Promise<Outcome> {
    // Gateways stamp records with their clock; one running ahead must not pin last_seen_at.
    const ts = Math.min(record.ts, this.now());
    const node = await trx('nodes')
      .where('id', record.node_id)
      .forUpdate()
      .first<LockedNode | undefined>(
        'online',
        'connection_id',
        'applied_revision',
        'desired_revision',
        'last_error',
        'last_error_revision',
        trx.raw('coalesce(last_seen_at > to_timestamp(?::double precision / 1000), false) AS seen_later', [
          ts,
        ]),
      );
    if (!node) {
      this.logger.debug(
        { kind: record.kind, node_id: record.node_id },
        'ingest record for an unknown node; skipped',
      );
      return undefined;
    }
    const nodeId = record.node_id;
    const online = (): OutboxEvent[] => (node.online ? [] : [fleetEvent('node.online', { node_id: nodeId })]);
    switch (record.kind) {
      case 'node.connected': {
        // Offline with newer evidence on file: a redelivered connect of a connection that has
        // already ended. A real reconnect has a newer ts (or is healed by its first status).
        if (!node.online && node.seen_later) return undefined;
        await trx.raw(
          `UPDATE nodes SET online = true, connection_id = ?,
             last_seen_at = GREATEST(last_seen_at, to_timestamp(?::double precision / 1000)) WHERE id = ?`,
          [record.conn_id, ts, nodeId],
        );
        return this.enqueued(trx, online());
      }
      case 'node.disconnected': {
        // A newer connection (maybe on another gateway, its connect processed first) owns the node.
        if (node.connection_id !== record.conn_id) return undefined;
        await trx('nodes').where('id', nodeId).update({ online: false, connection_id: null });
        const events = node.online
          ? [fleetEvent('node.offline', { node_id: nodeId, reason: 'disconnected' })]
          : [];
        return this.enqueued(trx, events);
      }
      case 'node.status': {
        const data = this.validate(statusEventData, record);
        if (!data || node.seen_later) return undefined;
        // Skip the write (and the publish) when nothing differs: the same record redelivered.
        const { rows } = await trx.raw<{ rows: unknown[] }>(
          `UPDATE nodes n SET online = true, connection_id = coalesce(n.connection_id, v.conn),
             last_seen_at = GREATEST(n.last_seen_at, v.seen),
             applied_revision = v.rev, peer_stats = v.peers, state_digest = v.digest, drift = v.drift
           FROM (SELECT ?::text AS conn, to_timestamp(?::double precision / 1000) AS seen, ?::bigint AS rev,
                        ?::jsonb AS peers, ?::text AS digest, ?::boolean AS drift) v
           WHERE n.id = ? AND (NOT n.online OR n.last_seen_at IS DISTINCT FROM GREATEST(n.last_seen_at, v.seen)
             OR (n.applied_revision, n.peer_stats, n.state_digest, n.drift) IS DISTINCT FROM (v.rev, v.peers, v.digest, v.drift))
           RETURNING n.id`,
          [
            record.conn_id,
            ts,
            data.applied_revision,
            JSON.stringify(data.peers),
            data.state_digest,
            data.drift,
            nodeId,
          ],
        );
        if (rows.length === 0) return undefined;
        const status = {
          node_id: nodeId,
          applied_revision: data.applied_revision,
          drift: data.drift,
          peers: data.peers.length,
          online: true,
        };
        return { ...(await this.enqueued(trx, online())), status };
      }
      case 'node.config_applied': {
        const data = this.validate(configAppliedEventData, record);
        if (!data) return undefined;
        const next = configApplied(node, data);
        if (!next) return undefined;
        await trx('nodes').where('id', nodeId).update(next);
        const event: Record<string, unknown> = { node_id: nodeId, revision: data.revision, ok: data.ok };
        if (data.error !== undefined) event.error = data.error;
        return this.enqueued(trx, [fleetEvent('node.config_applied', event)]);
      }
      case 'node.command_result': {
        const data = this.validate(commandResultEventData, record);
        if (!data) return undefined;
        if (typeof data.command_id !== 'string' || !UUID.test(data.command_id)) {
          this.logger.warn(
            { node_id: nodeId, command_id: data.command_id },
            'command result for a malformed command id; skipped',
          );
          return undefined;
        }
        const status = data.ok ? 'succeeded' : 'failed';
        // node_id in the condition: a node can only complete its own commands.
        const changed = await trx('commands')
          .where({ id: data.command_id, node_id: nodeId })
          .whereIn('status', ['queued', 'sent'])
          .update({
            status,
            result: JSON.stringify({ output: data.output ?? null }),
            error: data.error ?? null,
            completed_at: trx.fn.now(),
          });
        if (changed === 0) return undefined;
        return this.enqueued(trx, [
          fleetEvent('command.updated', { id: data.command_id, node_id: nodeId, status }),
        ]);
      }
    }
  }

  private async enqueued(trx: Knex.Transaction, events: OutboxEvent[]): Promise<{ events: OutboxEvent[] }> {
    await enqueue(trx, events);
    return { events };
  }

  private validate<T>(schema: z.ZodType<T>, record: IngestRecord): T | undefined {
    const parsed = schema.safeParse(record.data);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    this.logger.warn(
      {
        kind: record.kind,
        node_id: record.node_id,
        issue: issue ? `${issue.path.join('.')}: ${issue.message}` : undefined,
      },
      'ingest record with an invalid payload; skipped',
    );
    return undefined;
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

function fleetEvent(event: string, data: Record<string, unknown>): OutboxEvent {
  return { room: FLEET_ROOM, event, data };
}

/**
 * The new `applied_revision`/`last_error` after a config.applied report, or undefined when it
 * changes nothing. `last_error_revision` orders reports: an old success must not clear a newer
 * failure, an old failure must not replace a newer one. (The message still ends in
 * `(revision N)` for readers of the API; nothing parses it back.)
 */
function configApplied(
  node: LockedNode,
  data: z.infer<typeof configAppliedEventData>,
):
  | { applied_revision?: number; last_error?: string | null; last_error_revision?: number | null }
  | undefined {
  // A node cannot have applied a revision that was never issued: untrusted input, ignore it.
  if (data.revision > Number(node.desired_revision)) return undefined;
  const applied = node.applied_revision === null ? null : Number(node.applied_revision);
  const errorRevision = node.last_error_revision === null ? -1 : Number(node.last_error_revision);
  if (data.ok) {
    const next = Math.max(applied ?? 0, data.revision);
    const clears = node.last_error !== null && errorRevision <= data.revision;
    if (next === applied && !clears) return undefined;
    return clears
      ? { applied_revision: next, last_error: null, last_error_revision: null }
      : { applied_revision: next };
  }
  if ((applied !== null && data.revision <= applied) || errorRevision > data.revision) return undefined;
  const lastError = `${data.error ?? 'apply failed'} (revision ${data.revision})`;
  if (lastError === node.last_error && errorRevision === data.revision) return undefined;
  return { last_error: lastError, last_error_revision: data.revision };
}

/** Postgres refused the values themselves (bad encoding, constraint): retrying cannot help. */
function isDataError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^2[23]/.test(code);
}
