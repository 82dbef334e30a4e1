/** A node row as the database returns it (bigint columns arrive as numbers, see db/database.ts). */
export interface NodeRow {
  id: number;
  network_id: number;
  name: string;
  region: string | null;
  hostname: string | null;
  agent_version: string | null;
  agent_update: unknown;
  wg_public_key: string;
  endpoint: string | null;
  listen_port: number;
  tunnel_ip: string;
  routes: string[] | string;
  tags: string[];
  exit_node: boolean;
  credential_id: string;
  desired_revision: number;
  announced_revision: number;
  applied_revision: number | null;
  online: boolean;
  last_seen_at: Date | null;
  last_error: string | null;
  peer_stats: unknown;
  state_digest: string | null;
  drift: boolean;
  created_at: Date;
  updated_at: Date;
}

/** The node as the API shows it: never the secret hash or the credential id. */
export interface PublicNode {
  id: number;
  name: string;
  region: string | null;
  hostname: string | null;
  agent_version: string | null;
  /** The agent's last reported self-update: `{state, version, error?, at}` (update/release-store.ts). */
  agent_update: unknown;
  tunnel_ip: string;
  endpoint: string | null;
  listen_port: number;
  wg_public_key: string;
  routes: string[];
  tags: string[];
  /** Set by an admin: only an exit node may carry a default route or one wider than a /8. */
  exit_node: boolean;
  online: boolean;
  last_seen_at: string | null;
  desired_revision: number;
  applied_revision: number | null;
  last_error: string | null;
  drift: boolean;
  state_digest: string | null;
  peers: unknown;
  created_at: string;
  updated_at: string;
}

/** pg returns `cidr[]` as the text `{a,b}` unless a parser is registered; accept both. */
export function parseTextArray(value: string[] | string | null): string[] {
  if (value === null) return [];
  if (Array.isArray(value)) return value;
  const inner = value.replace(/^\{|\}$/g, '');
  return inner ? inner.split(',') : [];
}

export function toPublicNode(row: NodeRow): PublicNode {
  return {
    id: Number(row.id),
    name: row.name,
    region: row.region,
    hostname: row.hostname,
    agent_version: row.agent_version,
    agent_update: row.agent_update ?? null,
    tunnel_ip: row.tunnel_ip,
    endpoint: row.endpoint,
    listen_port: row.listen_port,
    wg_public_key: row.wg_public_key,
    routes: parseTextArray(row.routes),
    tags: row.tags,
    exit_node: row.exit_node,
    online: row.online,
    last_seen_at: row.last_seen_at?.toISOString() ?? null,
    desired_revision: Number(row.desired_revision),
    applied_revision: row.applied_revision === null ? null : Number(row.applied_revision),
    last_error: row.last_error,
    drift: row.drift,
    state_digest: row.state_digest,
    peers: row.peer_stats,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

