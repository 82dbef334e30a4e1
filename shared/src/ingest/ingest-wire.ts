import { z } from 'zod';
import type { NodePublishableEvent } from '../protocol/rooms.js';

// The ingest wire format: what a gateway appends and the auth-api reads back — the record, the
// stream it travels in and how an entry encodes it. Both ends import it from here, so the
// writer and the reader cannot drift apart.

export const INGEST_KINDS = [
  'node.status',
  'node.config_applied',
  'node.command_result',
  'node.connected',
  'node.disconnected',
] as const;

export type IngestKind = (typeof INGEST_KINDS)[number];

/** The record a node event becomes once the gateway accepted it. */
export const INGEST_KIND_OF_NODE_EVENT: Readonly<Record<NodePublishableEvent, IngestKind>> = {
  status: 'node.status',
  'config.applied': 'node.config_applied',
  'command.result': 'node.command_result',
};

export interface IngestRecord {
  kind: IngestKind;
  node_id: number;
  /**
   * The event payload as the node sent it (validated by the gateway) for node events;
   * `{ip}` for `node.connected`, `{code}` (the close code) for `node.disconnected`.
   */
  data: unknown;
  /** When the gateway received it, ms since the epoch. */
  ts: number;
  gateway: string;
  conn_id: string;
  /** The room offset the event got, when it was also published to the node's room. */
  offset?: string;
}

/**
 * The envelope as read back. Gateways write the stream, but anything with access to Redis can
 * append to it, so the reader checks the shape before trusting a field; the consumer validates
 * `data` per kind.
 */
const ingestRecordSchema = z.object({
  kind: z.enum(INGEST_KINDS),
  node_id: z.number().int().positive(),
  data: z.unknown(),
  ts: z.number().nonnegative(),
  gateway: z.string().max(256),
  conn_id: z.string().min(1).max(256),
  offset: z.string().max(64).optional(),
});

/** The Redis Stream ingest records travel in. */
export function ingestStreamKey(prefix: string): string {
  return `${prefix}ingest`;
}

/** The stream entry's field that holds the record, as JSON. */
const RECORD_FIELD = 'r';

/** The field/value pairs of the stream entry for `record` (for XADD). */
export function encodeIngestEntry(record: IngestRecord): [string, string] {
  return [RECORD_FIELD, JSON.stringify(record)];
}

export type DecodedIngestEntry = { record: IngestRecord } | { reason: string };

/**
 * The record a stream entry holds, or why it holds none. `fields` is null for an entry that was
 * trimmed from the stream while still pending.
 */
export function decodeIngestEntry(fields: string[] | null): DecodedIngestEntry {
  if (!fields) return { reason: 'trimmed' };
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === RECORD_FIELD) return decodeIngestRecord(fields[i + 1]!);
  }
  return { reason: `no ${RECORD_FIELD} field` };
}

/** The record in `json`, or a reason why it is not one. */
export function decodeIngestRecord(json: string): DecodedIngestEntry {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return { reason: 'not JSON' };
  }
  const parsed = ingestRecordSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { reason: `invalid record: ${issue ? `${issue.path.join('.')} ${issue.message}` : 'unknown'}` };
  }
  return { record: { ...parsed.data, data: parsed.data.data } };
}
