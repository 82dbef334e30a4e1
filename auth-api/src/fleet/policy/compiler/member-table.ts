import { memberRef } from './selectors.js';
import type { PolicyMember } from './types.js';

/** IPv4 as a number for sorting; anything else sorts after every IPv4 address. */
export function addressOrder(address: string): number {
  const parts = address.split('.');
  if (parts.length !== 4) return Number.MAX_SAFE_INTEGER;
  return parts.reduce((sum, part) => sum * 256 + (Number(part) || 0), 0);
}

function compareMembers(a: PolicyMember, b: PolicyMember): number {
  const byAddress = addressOrder(a.address) - addressOrder(b.address);
  if (byAddress !== 0) return byAddress;
  if (a.address !== b.address) return a.address < b.address ? -1 : 1;
  if (a.kind !== b.kind) return a.kind === 'node' ? -1 : 1;
  return a.id - b.id;
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
    this.members = [...members].sort(compareMembers);
    this.cidrs = this.members.map((member) => `${member.address}/32`);
    this.addressKeys = Float64Array.from(this.members, (member) => addressOrder(member.address));
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
