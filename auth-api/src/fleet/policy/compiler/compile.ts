import type { FilterEntry } from '@wirefleet/shared/protocol';
import type { PolicyDocument } from '@wirefleet/shared/schemas';
import { cachedIndex } from './index-cache.js';
import { nodeFilter } from './node-filter.js';
import { NodeIdSet } from './node-id-set.js';
import { peerSlots } from './node-peers.js';
import { compileRules, PolicyIndex } from './policy-index.js';
import { InvertedLookup, MatchingLookup, type RuleLookup } from './rule-lookup.js';
import type { CompiledNode, PolicyInputs } from './types.js';

/** One node's result in the compiler's own terms: peers as a bitset of node slots. */
export interface NodeResult {
  peers: NodeIdSet | 'all';
  /** Undefined when there is no policy. */
  inbound: FilterEntry[] | undefined;
}

const FULL_MESH: NodeResult = { peers: 'all', inbound: undefined };

/** The index of `inputs`, and how to look rules up in it: eagerly for many nodes, by matching for one. */
export function indexInputs(
  inputs: PolicyInputs,
  eager: boolean,
): { index: PolicyIndex; lookup: RuleLookup } | undefined {
  if (!inputs.document) return undefined;
  const index = new PolicyIndex(inputs.members, compileRules(inputs.document), inputs.forwards);
  return { index, lookup: eager ? new InvertedLookup(index) : new MatchingLookup(index) };
}

export function resultForSlot(index: PolicyIndex, lookup: RuleLookup, slot: number): NodeResult {
  const peers = peerSlots(index, lookup, slot);
  return {
    peers: peers === 'all' ? 'all' : new NodeIdSet(peers, index.table.nodeIds),
    inbound: nodeFilter(index, lookup, slot),
  };
}

export function toCompiledNode(result: NodeResult): CompiledNode {
  const peerNodeIds = result.peers;
  return result.inbound ? { peerNodeIds, filter: { inbound: result.inbound } } : { peerNodeIds };
}

/** Node ids of `inputs`, ascending. */
export function nodeIdsOf(inputs: PolicyInputs): number[] {
  const ids = new Set(inputs.members.filter((member) => member.kind === 'node').map((member) => member.id));
  return [...ids].sort((a, b) => a - b);
}

/** Every node's result, by ascending node id. */
export function resultsForAll(inputs: PolicyInputs): Map<number, NodeResult> {
  const indexed = indexInputs(inputs, true);
  if (!indexed) return new Map(nodeIdsOf(inputs).map((id) => [id, FULL_MESH]));
  const { index, lookup } = indexed;
  return new Map(index.table.nodeIds.map((id, slot) => [id, resultForSlot(index, lookup, slot)]));
}

function indexForNodes(inputs: PolicyInputs & { document: PolicyDocument }): {
  index: PolicyIndex;
  lookup: RuleLookup;
} {
  const index = cachedIndex(
    inputs,
    () => new PolicyIndex(inputs.members, compileRules(inputs.document), inputs.forwards),
  );
  return { index, lookup: new MatchingLookup(index) };
}

/**
 * One node's result. A node id that is not among the members (a caller's race with a delete)
 * gets what a member without tags would: no sources, only the nodes with routes as peers.
 */
export function resultForNode(inputs: PolicyInputs, nodeId: number): NodeResult {
  if (!inputs.document) return FULL_MESH;
  const { index, lookup } = indexForNodes(inputs as PolicyInputs & { document: PolicyDocument });
  const slot = index.table.slotOfNode.get(nodeId);
  if (slot !== undefined) return resultForSlot(index, lookup, slot);
  const stranger = {
    kind: 'node' as const,
    id: nodeId,
    address: '',
    tags: [],
    homeNodeId: nodeId,
    hasRoutes: false,
  };
  const alone = indexInputs({ ...inputs, members: [...inputs.members, stranger] }, false)!;
  return resultForSlot(alone.index, alone.lookup, alone.index.table.slotOfNode.get(nodeId)!);
}

export function compileNode(inputs: PolicyInputs, nodeId: number): CompiledNode {
  return toCompiledNode(resultForNode(inputs, nodeId));
}

export function compileAll(inputs: PolicyInputs): Map<number, CompiledNode> {
  const compiled = new Map<number, CompiledNode>();
  for (const [id, result] of resultsForAll(inputs)) compiled.set(id, toCompiledNode(result));
  return compiled;
}

/**
 * Stable text of a compiled node: equal iff the same peers and the same filter. Filters come
 * out of the compiler in one canonical order, so their JSON is compared as it is.
 */
export function compiledKey(node: CompiledNode): string {
  const peers = node.peerNodeIds === 'all' ? 'all' : [...node.peerNodeIds].sort((a, b) => a - b);
  return JSON.stringify({ peers, inbound: node.filter?.inbound ?? null });
}
