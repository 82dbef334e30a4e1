import { configAppliedEventData } from '@wirefleet/shared/protocol';
import type { z } from 'zod';
import {
  type ApplyContext,
  enqueued,
  fleetEvent,
  type LockedNode,
  type Outcome,
  validPayload,
} from './context.js';

type ConfigApplied = z.infer<typeof configAppliedEventData>;

/** The columns a config.applied report changes. */
export interface ConfigState {
  applied_revision?: number;
  last_error?: string | null;
  last_error_revision?: number | null;
}

/** `node.config_applied`: records the outcome of an apply and announces it, once per change. */
export async function applyNodeConfigApplied(context: ApplyContext): Promise<Outcome> {
  const { trx, record, node } = context;
  const data = validPayload(context, configAppliedEventData);
  if (!data) return undefined;
  const next = nextConfigState(node, data);
  if (!next) return undefined;
  await trx('nodes').where('id', record.node_id).update(next);
  const event: Record<string, unknown> = { node_id: record.node_id, revision: data.revision, ok: data.ok };
  if (data.error !== undefined) event.error = data.error;
  return enqueued(trx, [fleetEvent('node.config_applied', event)]);
}

/**
 * The new `applied_revision`/`last_error` after a config.applied report, or undefined when it
 * changes nothing. `last_error_revision` orders reports: an old success must not clear a newer
 * failure, an old failure must not replace a newer one. (The message still ends in
 * `(revision N)` for readers of the API; nothing parses it back.)
 */
export function nextConfigState(
  node: Pick<LockedNode, 'applied_revision' | 'desired_revision' | 'last_error' | 'last_error_revision'>,
  data: ConfigApplied,
): ConfigState | undefined {
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
