import { memberRef } from './selectors.js';
import type { PolicyMember } from './types.js';

/** IPv4 as a number for sorting; anything else sorts after every IPv4 address. */
export function addressOrder(address: string): number {
  let value = 0;
  let octet = 0;
  let dots = 0;
  for (let i = 0; i < address.length; i++) {
    const code = address.charCodeAt(i);
    if (code === 46) {
      value = value * 256 + octet;
      octet = 0;
      dots++;
    } else if (code >= 48 && code <= 57) octet = octet * 10 + code - 48;
    else return Number.MAX_SAFE_INTEGER;
  }
  return dots === 3 ? value * 256 + octet : Number.MAX_SAFE_INTEGER;
}

/** Address order (numerically for IPv4), then nodes before devices, then by id: one order for any input order. */
function sortMembers(members: readonly PolicyMember[]): Array<{ member: PolicyMember; key: number }> {
  const keyed = members.map((member) => ({ member, key: addressOrder(member.address) }));
  keyed.sort((a, b) => {
    if (a.key !== b.key) return a.key - b.key;
    if (a.member.address !== b.member.address) return a.member.address < b.member.address ? -1 : 1;
    if (a.member.kind !== b.member.kind) return a.member.kind === 'node' ? -1 : 1;
    return a.member.id - b.member.id;
  });
  return keyed;
}

/** `members` in `base`'s order when they differ from its members in tags only; undefined otherwise. */
function inBaseOrder(base: MemberTable, members: readonly PolicyMember[]): PolicyMember[] | undefined {
  if (members.length !== base.size) return undefined;
  const ordered: PolicyMember[] = new Array(base.size);
  for (const member of members) {
    const position = base.byRef.get(memberRef(member));
    if (position === undefined || ordered[position] !== undefined) return undefined;
    const old = base.members[position]!;
    if (
      old.address !== member.address ||
      old.homeNodeId !== member.homeNodeId ||
      old.hasRoutes !== member.hasRoutes
    )
      return undefined;
    ordered[position] = member;
  }
  return ordered;
}

function tagIndex(members: readonly PolicyMember[]): Map<string, number[]> {
  const byTag = new Map<string, number[]>();
  for (const [index, member] of members.entries())
    for (const tag of new Set(member.tags)) {
      const list = byTag.get(tag);
      if (list) list.push(index);
      else byTag.set(tag, [index]);
    }
  return byTag;
}

/**
 * The members indexed once for every question the compiler asks. Members are numbered in
 * address order, so any list of member numbers in ascending order is also a sorted address
 * list: filters come out sorted without sorting strings. Nodes also get a "slot" in id order,
 * used for peer bitsets.
 */
export class MemberTable {
  readonly members: PolicyMember[];
  readonly byTag: Map<string, number[]>;
  /**
   * The table whose numbering this one shares: itself, or (when only tags differ) the table it
   * was made from, whose layout below it reuses instead of rebuilding.
   */
  readonly layoutOf: MemberTable;
  /** `a.b.c.d/32` of each member, made once and shared by every filter entry. */
  readonly cidrs: string[];
  /** Each member's address as `addressOrder` gives it: compared across tables without strings. */
  readonly addressKeys: Float64Array;
  readonly byRef: Map<string, number>;
  readonly byAddress: Map<string, number>;
  /** Node ids in ascending order; a node's slot is its position here. */
  readonly nodeIds: number[];
  /** Per node slot, the node's member number. */
  readonly nodeIndexes: number[];
  readonly slotOfNode: Map<number, number>;
  /** Per member, its home node's slot; -1 when the home node is not a member. */
  readonly homeSlot: Int32Array;
  /** Per node slot, the member numbers of the node and its devices. */
  readonly groups: number[][];
  /** Slots of the nodes with routes, which peer with every node. */
  readonly routerSlots: number[];

  /** With `base`, members that differ from its members in tags only reuse its layout (a tag change). */
  constructor(members: readonly PolicyMember[], base?: MemberTable) {
    const ordered = base ? inBaseOrder(base, members) : undefined;
    const layout = base && ordered ? base : buildLayout(members);
    this.members = ordered ?? layout.members;
    this.byTag = tagIndex(this.members);
    this.layoutOf = base && ordered ? base.layoutOf : this;
    this.cidrs = layout.cidrs;
    this.addressKeys = layout.addressKeys;
    this.byRef = layout.byRef;
    this.byAddress = layout.byAddress;
    this.nodeIds = layout.nodeIds;
    this.nodeIndexes = layout.nodeIndexes;
    this.slotOfNode = layout.slotOfNode;
    this.homeSlot = layout.homeSlot;
    this.groups = layout.groups;
    this.routerSlots = layout.routerSlots;
  }

  get size(): number {
    return this.members.length;
  }

  nodeMember(slot: number): PolicyMember {
    return this.members[this.nodeIndexes[slot]!]!;
  }
}

type Layout = Omit<MemberTable, 'byTag' | 'layoutOf' | 'size' | 'nodeMember'>;

function buildLayout(members: readonly PolicyMember[]): Layout {
  const sorted = sortMembers(members);
  const ordered = sorted.map(({ member }) => member);
  const byRef = new Map<string, number>();
  const byAddress = new Map<string, number>();
  for (const [index, member] of ordered.entries()) {
    // Duplicates are a caller's bug; the first one (in address order) wins, deterministically.
    const ref = memberRef(member);
    if (!byRef.has(ref)) byRef.set(ref, index);
    if (!byAddress.has(member.address)) byAddress.set(member.address, index);
  }
  const nodeIndexes = [...byRef.entries()]
    .filter(([ref]) => ref.startsWith('node:'))
    .map(([, index]) => index)
    .sort((a, b) => ordered[a]!.id - ordered[b]!.id);
  const nodeIds = nodeIndexes.map((index) => ordered[index]!.id);
  const slotOfNode = new Map(nodeIds.map((id, slot) => [id, slot]));
  const homeSlot = Int32Array.from(ordered, (member) => slotOfNode.get(member.homeNodeId) ?? -1);
  const groups: number[][] = nodeIds.map(() => []);
  homeSlot.forEach((slot, index) => {
    if (slot >= 0) groups[slot]!.push(index);
  });
  return {
    members: ordered,
    cidrs: ordered.map((member) => `${member.address}/32`),
    addressKeys: Float64Array.from(sorted, ({ key }) => key),
    byRef,
    byAddress,
    nodeIds,
    nodeIndexes,
    slotOfNode,
    homeSlot,
    groups,
    routerSlots: nodeIndexes.flatMap((index, slot) => (ordered[index]!.hasRoutes ? [slot] : [])),
  };
}
