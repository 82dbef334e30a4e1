import { newBits, orInto, setBit } from './bitset.js';
import type { MemberSet } from './member-sets.js';
import type { PolicyIndex } from './policy-index.js';
import type { RuleLookup } from './rule-lookup.js';

/** Numbers each `peerSlots` call, to mark the sets it has already added (see MemberSet.peerPass). */
let passes = 0;

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
  // Many rules share a set (the same tag on many rules): each set's homes are added once.
  const pass = ++passes;
  const addHomes = (set: MemberSet) => {
    if (set.peerPass === pass) return;
    set.peerPass = pass;
    orInto(peers, set.homes);
  };
  for (const rule of lookup.fromGroup(slot)) addHomes(index.dstSet(rule));
  for (const rule of lookup.toGroup(slot)) addHomes(index.srcSet(rule));
  for (const forward of index.forwardsBySourceSlot.get(slot) ?? []) {
    const home = table.homeSlot[forward.target]!;
    if (home >= 0) setBit(peers, home);
  }
  for (const forward of index.forwardsByTargetSlot.get(slot) ?? []) setBit(peers, forward.nodeSlot);
  for (const router of table.routerSlots) setBit(peers, router);
  peers[slot >>> 5]! &= ~(1 << (slot & 31));
  return peers;
}
