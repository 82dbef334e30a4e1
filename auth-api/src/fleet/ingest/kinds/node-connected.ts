import { type ApplyContext, enqueued, type Outcome, onlineEvents } from './context.js';

/** `node.connected`: the node is online on this connection; `node.online` if it was offline. */
export async function applyNodeConnected(context: ApplyContext): Promise<Outcome> {
  const { trx, record, node, ts } = context;
  // Offline with newer evidence on file: a redelivered connect of a connection that has
  // already ended. A real reconnect has a newer ts (or is healed by its first status).
  if (!node.online && node.seen_later) return undefined;
  await trx.raw(
    `UPDATE nodes SET online = true, connection_id = ?,
       last_seen_at = GREATEST(last_seen_at, to_timestamp(?::double precision / 1000)) WHERE id = ?`,
    [record.conn_id, ts, record.node_id],
  );
  return enqueued(trx, onlineEvents(context));
}
