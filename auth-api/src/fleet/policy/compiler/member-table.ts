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

/**
 * The members indexed once for every question the compiler asks. Members are numbered in
 * address order, so any list of member numbers in ascending order is also a sorted address
 * list: filters come out sorted without sorting strings. Nodes also get a "slot" in id order,
 * used for peer bitsets.
 */
export class MemberTable {
  readonly members: PolicyMember[];
  /** `a.b.c.d/32` of each member, made once and shared by every filter entry. */
  readonly cidrs: string[];
  /** Each member's address as `addressOrder` gives it: compared across tables without strings. */
  readonly addressKeys: Float64Array;
  readonly byRef = new Map<string, number>();
  readonly byTag = new Map<string, number[]>();
  readonly byAddress = new Map<string, number>();
  /** Node ids in ascending order; a node's slot is its position here. */
  readonly nodeIds: number[];
  /** Per node slot, the node's member number. */
  readonly nodeIndexes: number[];
  readonly slotOfNode = new Map<number, number>();
  /** Per member, its home node's slot; -1 when the home node is not a member. */
  readonly homeSlot: Int32Array;
  /** Per node slot, the member numbers of the node and its devices. */
  readonly groups: number[][];
  /** Slots of the nodes with routes, which peer with every node. */
  readonly routerSlots: number[];

  constructor(members: readonly PolicyMember[]) {
    const sorted = sortMembers(members);
    this.members = sorted.map(({ member }) => member);
    this.cidrs = this.members.map((member) => `${member.address}/32`);
    this.addressKeys = Float64Array.from(sorted, ({ key }) => key);
    for (const [index, member] of this.members.entries()) this.index(member, index);
    this.nodeIndexes = [...this.byRef.entries()]
      .filter(([ref]) => ref.startsWith('node:'))
      .map(([, index]) => index)
      .sort((a, b) => this.members[a]!.id - this.members[b]!.id);
    this.nodeIds = this.nodeIndexes.map((index) => this.members[index]!.id);
    for (const [slot, id] of this.nodeIds.entries()) this.slotOfNode.set(id, slot);
    this.homeSlot = Int32Array.from(this.members, (member) => this.slotOfNode.get(member.homeNodeId) ?? -1);
    this.groups = this.nodeIds.map(() => []);
    this.homeSlot.forEach((slot, index) => {
      if (slot >= 0) this.groups[slot]!.push(index);
    });
    this.routerSlots = this.nodeIds.flatMap((id, slot) => (this.nodeMember(slot).hasRoutes ? [slot] : []));
  }

  get size(): number {
    return this.members.length;
  }

  nodeMember(slot: number): PolicyMember {
    return this.members[this.nodeIndexes[slot]!]!;
  }

  private index(member: PolicyMember, index: number): void {
    const ref = memberRef(member);
    // Duplicates are a caller's bug; the first one (in address order) wins, deterministically.
    if (!this.byRef.has(ref)) this.byRef.set(ref, index);
    if (!this.byAddress.has(member.address)) this.byAddress.set(member.address, index);
    for (const tag of new Set(member.tags)) {
      const list = this.byTag.get(tag);
      if (list) list.push(index);
      else this.byTag.set(tag, [index]);
    }
  }
}
