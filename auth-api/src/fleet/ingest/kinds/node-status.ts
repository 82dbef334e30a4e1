import { statusEventData } from '@wirefleet/shared/protocol';
import { type ApplyContext, enqueued, type Outcome, onlineEvents, validPayload } from './context.js';

/**
 * `node.status`: stores the telemetry (online, last seen, applied revision, peers, digest,
 * drift) and returns the summary to publish as `node.status`. An older status than the one on
 * file changes nothing, nor does one that changes nothing (the same record redelivered).
 */
export async function applyNodeStatus(context: ApplyContext): Promise<Outcome> {
  const { trx, record, node, ts } = context;
  const data = validPayload(context, statusEventData);
  if (!data || node.seen_later) return undefined;
  // An agent too old to say leaves what is on file.
  const version = data.agent_version ?? null;
  const update = data.update ? JSON.stringify(data.update) : null;
  // Skip the write (and the publish) when nothing differs: the same record redelivered.
  const { rows } = await trx.raw<{ rows: unknown[] }>(
    `UPDATE nodes n SET online = true, connection_id = coalesce(n.connection_id, v.conn),
       last_seen_at = GREATEST(n.last_seen_at, v.seen),
       applied_revision = v.rev, peer_stats = v.peers, state_digest = v.digest, drift = v.drift,
       agent_version = coalesce(v.av, n.agent_version), agent_update = coalesce(v.au, n.agent_update)
     FROM (SELECT ?::text AS conn, to_timestamp(?::double precision / 1000) AS seen, ?::bigint AS rev,
                  ?::jsonb AS peers, ?::text AS digest, ?::boolean AS drift, ?::text AS av, ?::jsonb AS au) v
     WHERE n.id = ? AND (NOT n.online OR n.last_seen_at IS DISTINCT FROM GREATEST(n.last_seen_at, v.seen)
       OR (n.applied_revision, n.peer_stats, n.state_digest, n.drift) IS DISTINCT FROM (v.rev, v.peers, v.digest, v.drift)
       OR n.agent_version IS DISTINCT FROM coalesce(v.av, n.agent_version)
       OR n.agent_update IS DISTINCT FROM coalesce(v.au, n.agent_update))
     RETURNING n.id`,
    [
      record.conn_id,
      ts,
      data.applied_revision,
      JSON.stringify(data.peers),
      data.state_digest,
      data.drift,
      version,
      update,
      record.node_id,
    ],
  );
  if (rows.length === 0) return undefined;
  const status = {
    node_id: record.node_id,
    applied_revision: data.applied_revision,
    drift: data.drift,
    peers: data.peers.length,
    online: true,
  };
  return { ...(await enqueued(trx, onlineEvents(context))), status };
}
