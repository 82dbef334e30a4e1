import type { PolicyDocument } from '@wirefleet/shared/schemas';
import type { Knex } from 'knex';
import type { Network } from '../network/index.js';
import { parseTextArray } from '../nodes/node-view.js';
import type { PolicyForward, PolicyInputs, PolicyMember } from './compiler/index.js';
import { currentPolicy } from './policy-store.js';

interface MemberNodeRow {
  id: number;
  tunnel_ip: string;
  tags: string[];
  routes: string[] | string;
  exit_node: boolean;
}

interface MemberDeviceRow {
  id: number;
  node_id: number;
  tunnel_ip: string;
  tags: string[];
}

interface ForwardRow {
  node_id: number;
  protocol: 'tcp' | 'udp';
  target_ip: string;
  target_port: number;
}

/**
 * Everything the policy compiler reads, from the database, in four queries: the members
 * (nodes and devices with their addresses and tags), the enabled port forwards (each implies
 * an allow) and the policy in force. `document` overrides the stored policy, to compile a
 * proposed version before it is stored.
 */
export async function loadPolicyInputs(
  db: Knex | Knex.Transaction,
  network: Network,
  document?: PolicyDocument | null,
): Promise<PolicyInputs> {
  const [nodes, devices, forwards, stored] = await Promise.all([
    db('nodes')
      .where({ network_id: network.id })
      .select<MemberNodeRow[]>('id', 'tunnel_ip', 'tags', 'routes', 'exit_node'),
    db('devices').where({ network_id: network.id }).select<MemberDeviceRow[]>('id', 'node_id', 'tunnel_ip', 'tags'),
    db('port_forwards as f')
      .join('nodes as n', 'n.id', 'f.node_id')
      .where({ 'n.network_id': network.id, 'f.enabled': true })
      .select<ForwardRow[]>('f.node_id', 'f.protocol', 'f.target_ip', 'f.target_port'),
    document === undefined ? currentPolicy(db, network.id) : undefined,
  ]);
  return {
    document: document === undefined ? (stored?.document ?? null) : document,
    members: [...nodes.map(nodeMember), ...devices.map(deviceMember)],
    forwards: forwards.map(
      (row): PolicyForward => ({
        nodeId: Number(row.node_id),
        protocol: row.protocol,
        targetIp: row.target_ip,
        targetPort: row.target_port,
      }),
    ),
  };
}

function nodeMember(row: MemberNodeRow): PolicyMember {
  const id = Number(row.id);
  return {
    kind: 'node',
    id,
    address: row.tunnel_ip,
    tags: row.tags,
    homeNodeId: id,
    hasRoutes: row.exit_node || parseTextArray(row.routes).length > 0,
  };
}

function deviceMember(row: MemberDeviceRow): PolicyMember {
  return {
    kind: 'device',
    id: Number(row.id),
    address: row.tunnel_ip,
    tags: row.tags,
    homeNodeId: Number(row.node_id),
    hasRoutes: false,
  };
}
