import type { Knex } from 'knex';
import { wantedUpdateFor } from '../agent-updates/wanted-version-store.js';
import type { Network } from '../network/index.js';
import { parseTextArray } from '../nodes/node-view.js';
import { compileNode } from '../policy/compiler/index.js';
import { loadPolicyInputs } from '../policy/policy-inputs.js';
import { currentPolicy } from '../policy/policy-store.js';
import { NAT_KEEPALIVE_SECONDS, type NodeConfig, type NodeConfigPeer } from './node-config.js';

interface PeerNodeRow {
  id: number;
  wg_public_key: string;
  tunnel_ip: string;
  routes: string[] | string;
  endpoint: string | null;
}

const byKey = (a: { public_key: string }, b: { public_key: string }) =>
  a.public_key < b.public_key ? -1 : 1;

interface SelfRow {
  id: number;
  tunnel_ip: string;
  listen_port: number;
  endpoint: string | null;
  desired_revision: number;
  tags: string[];
}

type DeviceRow = { node_id: number; wg_public_key: string; tunnel_ip: string };

/**
 * A node's peers: every other node of the network (its tunnel address, its routes and the /32 of
 * each device attached to it), then this node's own devices. A node behind NAT (no endpoint)
 * keeps its sessions alive.
 */
function peersOf(
  nodeId: number,
  behindNat: boolean,
  others: PeerNodeRow[],
  devices: DeviceRow[],
): NodeConfigPeer[] {
  const devicesByNode = new Map<number, string[]>();
  for (const device of devices) {
    const list = devicesByNode.get(Number(device.node_id)) ?? [];
    list.push(`${device.tunnel_ip}/32`);
    devicesByNode.set(Number(device.node_id), list);
  }
  const peers: NodeConfigPeer[] = others.map((other) => ({
    public_key: other.wg_public_key,
    allowed_ips: [
      `${other.tunnel_ip}/32`,
      ...parseTextArray(other.routes),
      ...(devicesByNode.get(Number(other.id)) ?? []).sort(),
    ],
    ...(other.endpoint ? { endpoint: other.endpoint } : {}),
    ...(behindNat ? { persistent_keepalive: NAT_KEEPALIVE_SECONDS } : {}),
  }));
  for (const device of devices) {
    if (Number(device.node_id) === nodeId)
      peers.push({ public_key: device.wg_public_key, allowed_ips: [`${device.tunnel_ip}/32`] });
  }
  return peers;
}

/**
 * Computes a node's configuration from the database, in three queries:
 * - every other node of the network is a peer (a full mesh); its allowed IPs are its tunnel
 *   /32, its routes and the /32s of the devices attached to it (so traffic to a device on
 *   another node goes through that node); its endpoint where known;
 * - a node without an endpoint of its own (behind NAT) keeps its peers' tunnels open with a
 *   keepalive;
 * - the devices attached to this node are peers with their /32;
 * - its enabled port forwards;
 * - with an access policy in force, only the peers the policy lets it reach or be reached
 *   from, and the inbound filter its agent enforces (fleet/policy, docs/policy.md);
 * - the agent build it should run, when an admin chose one (fleet/agent-updates).
 * Output is sorted, so the same state always yields the same config.
 */
export async function buildNodeConfig(
  db: Knex,
  network: Network,
  nodeId: number,
): Promise<NodeConfig | undefined> {
  const self = await db('nodes')
    .where({ id: nodeId, network_id: network.id })
    .first<SelfRow | undefined>('id', 'tunnel_ip', 'listen_port', 'endpoint', 'desired_revision', 'tags');
  if (!self) return undefined;
  const [others, devices, forwards, policy, agentUpdate] = await Promise.all([
    db('nodes')
      .where({ network_id: network.id })
      .whereNot({ id: nodeId })
      .select<PeerNodeRow[]>('id', 'wg_public_key', 'tunnel_ip', 'routes', 'endpoint'),
    db('devices')
      .where({ network_id: network.id })
      .select<DeviceRow[]>('node_id', 'wg_public_key', 'tunnel_ip'),
    db('port_forwards')
      .where({ node_id: nodeId, enabled: true })
      .orderBy(['protocol', 'public_port'])
      .select<
        Array<{ protocol: 'tcp' | 'udp'; public_port: number; target_ip: string; target_port: number }>
      >('protocol', 'public_port', 'target_ip', 'target_port'),
    currentPolicy(db, network.id),
    wantedUpdateFor(db, network.id, self.tags),
  ]);
  const compiled = policy && compileNode(await loadPolicyInputs(db, network, policy.document), nodeId);
  const reachable = compiled?.peerNodeIds ?? 'all';
  const peers = peersOf(
    nodeId,
    self.endpoint === null,
    reachable === 'all' ? others : others.filter((other) => reachable.has(Number(other.id))),
    devices,
  );
  return {
    node_id: nodeId,
    revision: Number(self.desired_revision),
    issued_at: new Date().toISOString(),
    interface: { address: `${self.tunnel_ip}/${network.prefix}`, listen_port: self.listen_port },
    peers: peers.sort(byKey),
    port_forwards: forwards.map((forward) => ({
      protocol: forward.protocol,
      public_port: forward.public_port,
      target_ip: forward.target_ip,
      target_port: forward.target_port,
    })),
    masquerade: true,
    ...(compiled?.filter ? { filter: compiled.filter } : {}),
    ...(agentUpdate ? { agent_update: agentUpdate } : {}),
  };
}
