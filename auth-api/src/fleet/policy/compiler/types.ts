import type { FilterEntry } from '@wirefleet/shared/protocol';
import type { PolicyDocument } from '@wirefleet/shared/schemas';

/** One node or device as the policy sees it: what selectors match, and where its traffic enters the tunnel. */
export interface PolicyMember {
  kind: 'node' | 'device';
  id: number;
  /** Tunnel IPv4, e.g. '100.96.0.5'. */
  address: string;
  tags: readonly string[];
  /** The node itself, or the node a device is attached to (a device's traffic travels through it). */
  homeNodeId: number;
  /** A node with routes or exit_node: it stays a peer of every node. Always false for devices. */
  hasRoutes: boolean;
}

/** A port forward on node `nodeId`: it implies an allow from that node to the target on its port. */
export interface PolicyForward {
  nodeId: number;
  protocol: 'tcp' | 'udp';
  targetIp: string;
  targetPort: number;
}

/** Everything the compiler reads; `document: null` means no policy was ever set (full mesh). */
export interface PolicyInputs {
  document: PolicyDocument | null;
  members: readonly PolicyMember[];
  forwards: readonly PolicyForward[];
}

export interface NodeFilter {
  inbound: FilterEntry[];
}

/**
 * What one node's signed configuration carries from the policy. The arrays inside `filter`
 * may be shared between nodes and between calls on the same inputs: read them, never mutate.
 */
export interface CompiledNode {
  /**
   * 'all' when the document is null (full mesh) or for a node with routes. Never the node
   * itself, never devices. A ReadonlySet over a bitset (node-id-set.ts), not a `Set` instance.
   */
  peerNodeIds: ReadonlySet<number> | 'all';
  /** Absent when the document is null. */
  filter?: NodeFilter;
}

/**
 * `POST /v1/policy/check`'s answer. `rule_index` is the first allowing rule, present with
 * `reason: 'rule'` only. A member checked against itself gets `{allow: true, reason:
 * 'no_policy'}`: the policy has no say over traffic that never enters the tunnel (check.ts).
 */
export type CheckAnswer = {
  allow: boolean;
  rule_index?: number;
  reason: 'rule' | 'port_forward' | 'no_policy' | 'no_rule';
};
