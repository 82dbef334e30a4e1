import { commandResultEventData } from '@wirefleet/shared/protocol';
import { type ApplyContext, enqueued, fleetEvent, type Outcome, validPayload } from './context.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * `node.command_result`: completes the node's own queued or sent command with
 * `command.updated`; a result for a finished command (redelivered) changes nothing.
 */
export async function applyNodeCommandResult(context: ApplyContext): Promise<Outcome> {
  const { trx, record, logger } = context;
  const data = validPayload(context, commandResultEventData);
  if (!data) return undefined;
  if (typeof data.command_id !== 'string' || !UUID.test(data.command_id)) {
    logger.warn(
      { node_id: record.node_id, command_id: data.command_id },
      'command result for a malformed command id; skipped',
    );
    return undefined;
  }
  const status = data.ok ? 'succeeded' : 'failed';
  // node_id in the condition: a node can only complete its own commands.
  const changed = await trx('commands')
    .where({ id: data.command_id, node_id: record.node_id })
    .whereIn('status', ['queued', 'sent'])
    .update({
      status,
      result: JSON.stringify({ output: data.output ?? null }),
      error: data.error ?? null,
      completed_at: trx.fn.now(),
    });
  if (changed === 0) return undefined;
  return enqueued(trx, [
    fleetEvent('command.updated', { id: data.command_id, node_id: record.node_id, status }),
  ]);
}
