import { type ApplyContext, enqueued, fleetEvent, type Outcome } from './context.js';

/** `node.disconnected`: offline with `node.offline`, unless a newer connection owns the node. */
export async function applyNodeDisconnected({ trx, record, node }: ApplyContext): Promise<Outcome> {
  // A newer connection (maybe on another gateway, its connect processed first) owns the node.
  if (node.connection_id !== record.conn_id) return undefined;
  await trx('nodes').where('id', record.node_id).update({ online: false, connection_id: null });
  const events = node.online
    ? [fleetEvent('node.offline', { node_id: record.node_id, reason: 'disconnected' })]
    : [];
  return enqueued(trx, events);
}
