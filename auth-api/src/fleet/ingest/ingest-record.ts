import type { IngestRecord } from '@wirefleet/shared/ingest';
import { z } from 'zod';

/**
 * The envelope of an ingest record as read back from the stream. The stream is written by
 * gateways, but anything with access to Redis can append to it, so the auth-api checks the
 * shape before trusting a field; the `data` payload is validated per kind by the processor.
 */
const ingestRecordSchema = z.object({
  kind: z.enum([
    'node.status',
    'node.config_applied',
    'node.command_result',
    'node.connected',
    'node.disconnected',
  ]),
  node_id: z.number().int().positive(),
  data: z.unknown(),
  ts: z.number().nonnegative(),
  gateway: z.string().max(256),
  conn_id: z.string().min(1).max(256),
  offset: z.string().max(64).optional(),
});

/** The record in `json`, or a reason why it is not one. */
export function parseIngestRecord(json: string): { record: IngestRecord } | { reason: string } {
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
