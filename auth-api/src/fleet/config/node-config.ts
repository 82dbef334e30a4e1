import type { AgentUpdate, FilterEntry } from '@wirefleet/shared/protocol';

/**
 * The signed desired state of one node (CONTRACT §6). The agent applies the payload of the
 * verified JWS and nothing else, so this type is the whole contract between the control
 * plane and a node.
 */
export interface NodeConfig {
  node_id: number;
  revision: number;
  issued_at: string;
  interface: { address: string; listen_port: number };
  peers: NodeConfigPeer[];
  port_forwards: NodeConfigForward[];
  masquerade: boolean;
  /** With an access policy in force: what the node accepts from the tunnel (CONTRACT §8). */
  filter?: { inbound: FilterEntry[] };
  /** The agent build this node should run, once an admin chose one (fleet/agent-updates). */
  agent_update?: AgentUpdate;
}

export interface NodeConfigPeer {
  public_key: string;
  allowed_ips: string[];
  endpoint?: string;
  persistent_keepalive?: number;
}

export interface NodeConfigForward {
  protocol: 'tcp' | 'udp';
  public_port: number;
  target_ip: string;
  target_port: number;
}

export interface SignedNodeConfig {
  config: NodeConfig;
  signature: string;
}

/** Keepalive a node behind NAT sends so its peers can reach it. */
export const NAT_KEEPALIVE_SECONDS = 25;
