import { newBits, orInto, setBit } from './bitset.js';
import type { PolicyIndex } from './policy-index.js';
import type { RuleLookup } from './rule-lookup.js';

/**
 * The peer slots of the node in `slot`: every node whose group (node and devices) some rule or
 * port forward connects with this node's group, in either direction, and every node with
 * routes; 'all' for a node with routes itself. A rule pairing two members of the same group
 * only ever pairs this node with itself, which is cleared at the end.
 */
export function peerSlots(index: PolicyIndex, lookup: RuleLookup, slot: number): Uint32Array | 'all' {
  const { table } = index;
  if (table.nodeMember(slot).hasRoutes) return 'all';
  const peers = newBits(table.nodeIds.length);
  for (const rule of lookup.fromGroup(slot)) orInto(peers, index.dstSet(rule).homes);
  for (const rule of lookup.toGroup(slot)) orInto(peers, index.srcSet(rule).homes);
  for (const forward of index.forwardsBySourceSlot.get(slot) ?? []) {
    const home = table.homeSlot[forward.target]!;
    if (home >= 0) setBit(peers, home);
  }
  for (const forward of index.forwardsByTargetSlot.get(slot) ?? []) setBit(peers, forward.nodeSlot);
  for (const router of table.routerSlots) setBit(peers, router);
  peers[slot >>> 5]! &= ~(1 << (slot & 31));
  return peers;
}
