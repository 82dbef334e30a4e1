import type { IngestRecord } from '@wirefleet/shared/ingest';
import type { Logger } from '@wirefleet/shared/logging';
import { FLEET_ROOM } from '@wirefleet/shared/protocol';
import type { Knex } from 'knex';
import type { z } from 'zod';
import { enqueue, type OutboxEvent } from '../../outbox/index.js';

/** The node's row as a record of any kind needs it, locked for the record's transaction. */
export interface LockedNode {
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

/** What applying one record did: the events it enqueued and, for a status, what to publish. */
export type Outcome = { events: OutboxEvent[]; status?: Record<string, unknown> } | undefined;

/** Everything a record's handler may use: it runs inside the record's transaction. */
export interface ApplyContext {
  trx: Knex.Transaction;
  record: IngestRecord;
  node: LockedNode;
  /** The record's timestamp, clamped to the processor's clock. */
  ts: number;
  logger: Logger;
}

/** Applies one record of a kind to its (locked) node; undefined when it changed nothing. */
export type ApplyRecord = (context: ApplyContext) => Promise<Outcome>;

export function fleetEvent(event: string, data: Record<string, unknown>): OutboxEvent {
  return { room: FLEET_ROOM, event, data };
}

/** Enqueues `events` in the record's transaction, so they commit (or not) with its writes. */
export async function enqueued(
  trx: Knex.Transaction,
  events: OutboxEvent[],
): Promise<{ events: OutboxEvent[] }> {
  await enqueue(trx, events);
  return { events };
}

/** `node.online` when the record shows an offline node alive. */
export function onlineEvents({ node, record }: ApplyContext): OutboxEvent[] {
  return node.online ? [] : [fleetEvent('node.online', { node_id: record.node_id })];
}

/**
 * The record's payload, checked against its kind's schema. The gateway validated it, but the
 * stream is writable by anything with access to Redis: a payload that does not fit is logged
 * and the record skipped.
 */
export function validPayload<T>({ record, logger }: ApplyContext, schema: z.ZodType<T>): T | undefined {
  const parsed = schema.safeParse(record.data);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  logger.warn(
    {
      kind: record.kind,
      node_id: record.node_id,
      issue: issue ? `${issue.path.join('.')}: ${issue.message}` : undefined,
    },
    'ingest record with an invalid payload; skipped',
  );
  return undefined;
}
