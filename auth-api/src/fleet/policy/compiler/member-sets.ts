import { bitIndexes, hasBit, newBits, setBit } from './bitset.js';
import type { MemberTable } from './member-table.js';
import type { Selector } from './selectors.js';

/**
 * A member's address hashed (FNV-1a, then murmur3's finaliser) for the sets' fingerprints.
 * Hashing the address, not the member number, makes a set's fingerprint a function of its
 * addresses alone, so entries sort the same however many other members exist.
 */
function addressHash(address: string, seed: number): number {
  let hash = seed;
  for (let i = 0; i < address.length; i++) hash = Math.imul(hash ^ address.charCodeAt(i), 0x01000193);
  hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
  hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35);
  return (hash ^ (hash >>> 16)) >>> 0;
}

/**
 * A set of members, interned: two sets with the same members are the same object, so filter
 * entries can be grouped by set ("same from-set") without comparing address lists.
 */
export class MemberSet {
  private bitsCache: Uint32Array | undefined;
  private homesCache: Uint32Array | undefined;
  private cidrsCache: string[] | undefined;
  private membersCache: Int32Array | undefined;
  /** The last `peerSlots` call that added this set's homes: scratch space of that one synchronous call. */
  peerPass = 0;

  constructor(
    readonly id: number,
    /** How many members, and the first of them (-1 when empty): what entries sort by first. */
    readonly size: number,
    readonly first: number,
    /** Two halves of the fingerprint: XOR of the members' hashes, so "minus one" costs O(1). */
    readonly low: number,
    readonly high: number,
    private readonly table: MemberTable,
    /** The members, or how to make them: a set derived for a filter may never need them, only its `cidrs`. */
    private readonly source: Int32Array | (() => Int32Array),
    private readonly makeCidrs?: () => string[],
  ) {}

  /** Ascending member numbers, hence ascending addresses. */
  get members(): Int32Array {
    this.membersCache ??= typeof this.source === 'function' ? this.source() : this.source;
    return this.membersCache;
  }

  has(member: number): boolean {
    this.bitsCache ??= this.buildBits();
    return hasBit(this.bitsCache, member);
  }

  /** The slots of the members' home nodes. */
  get homes(): Uint32Array {
    if (!this.homesCache) {
      this.homesCache = newBits(this.table.nodeIds.length);
      for (const member of this.members) {
        const slot = this.table.homeSlot[member]!;
        if (slot >= 0) setBit(this.homesCache, slot);
      }
    }
    return this.homesCache;
  }

  /** The members' `/32`s, sorted: a filter entry's `from`, shared by every entry that uses this set. */
  get cidrs(): string[] {
    this.cidrsCache ??= this.makeCidrs
      ? this.makeCidrs()
      : Array.from(this.members, (member) => this.table.cidrs[member]!);
    return this.cidrsCache;
  }

  /** The same addresses, possibly in another compile's table (the fast path of `affectedNodes`). */
  sameAddresses(other: MemberSet): boolean {
    if (this === other) return true;
    if (this.size !== other.size || this.low !== other.low || this.high !== other.high) return false;
    for (let i = 0; i < this.members.length; i++) {
      const mine = this.members[i]!;
      const theirs = other.members[i]!;
      if (this.table.addressKeys[mine] !== other.table.addressKeys[theirs]) return false;
      if (this.table.members[mine]!.address !== other.table.members[theirs]!.address) return false;
    }
    return true;
  }

  private buildBits(): Uint32Array {
    const bits = newBits(this.table.size);
    for (const member of this.members) setBit(bits, member);
    return bits;
  }
}

/** Where `member` sits in the ascending `members`; -1 when absent. */
function positionOf(members: Int32Array, member: number): number {
  let low = 0;
  let high = members.length - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const value = members[middle]!;
    if (value === member) return middle;
    if (value < member) low = middle + 1;
    else high = middle - 1;
  }
  return -1;
}

/** Resolves selector lists to interned member sets, and derives "this set minus one member". */
export class MemberSets {
  private readonly byFingerprint = new Map<string, MemberSet[]>();
  private readonly bySelectors = new Map<string, MemberSet>();
  private readonly withoutCache = new Map<number, Map<number, MemberSet | undefined>>();
  private readonly low: Uint32Array;
  private readonly high: Uint32Array;
  private nextId = 0;

  /** `base`'s address hashes are reused when `table` shares its numbering (a tag change). */
  constructor(
    private readonly table: MemberTable,
    base?: MemberSets,
  ) {
    const shared = base && base.table.layoutOf === table.layoutOf;
    this.low = shared
      ? base.low
      : Uint32Array.from(table.members, (member) => addressHash(member.address, 0x811c9dc5));
    this.high = shared
      ? base.high
      : Uint32Array.from(table.members, (member) => addressHash(member.address, 0x050c5d1f));
  }

  /** The members any of `selectors` matches; `key` is the selector list's text, a cache key. */
  resolve(key: string, selectors: readonly Selector[]): MemberSet {
    const cached = this.bySelectors.get(key);
    if (cached) return cached;
    const set = this.internMembers(this.matching(selectors));
    this.bySelectors.set(key, set);
    return set;
  }

  /** The set of exactly these members (ascending member numbers). */
  ofMembers(members: readonly number[]): MemberSet {
    return this.internMembers(Int32Array.from(members));
  }

  /** `set` without `member`; undefined when that leaves it empty. */
  without(set: MemberSet, member: number): MemberSet | undefined {
    if (!set.has(member)) return set;
    let perSet = this.withoutCache.get(set.id);
    if (!perSet) {
      perSet = new Map();
      this.withoutCache.set(set.id, perSet);
    }
    if (perSet.has(member)) return perSet.get(member);
    const rest = set.size === 1 ? undefined : this.remove(set, member);
    perSet.set(member, rest);
    return rest;
  }

  /** Derives the fingerprint, first member and `from` list from the parent's; members only when asked. */
  private remove(set: MemberSet, member: number): MemberSet {
    const parent = set.members;
    const position = positionOf(parent, member);
    const members = () => {
      const rest = new Int32Array(parent.length - 1);
      rest.set(parent.subarray(0, position));
      rest.set(parent.subarray(position + 1), position);
      return rest;
    };
    const first = position === 0 ? parent[1]! : parent[0]!;
    const low = (set.low ^ this.low[member]!) >>> 0;
    const high = (set.high ^ this.high[member]!) >>> 0;
    return this.intern(parent.length - 1, first, low, high, members, () => set.cidrs.toSpliced(position, 1));
  }

  private matching(selectors: readonly Selector[]): Int32Array {
    const { table } = this;
    if (selectors.some((selector) => selector.kind === 'all'))
      return Int32Array.from(table.members, (_, i) => i);
    // The common rule names one tag: its list is already in member order.
    const only = selectors.length === 1 ? selectors[0]! : undefined;
    if (only?.kind === 'tag') return Int32Array.from(table.byTag.get(only.tag) ?? []);
    const bits = newBits(table.size);
    for (const selector of selectors) {
      if (selector.kind === 'tag')
        for (const member of table.byTag.get(selector.tag) ?? []) setBit(bits, member);
      else if (selector.kind !== 'all') {
        const member = table.byRef.get(`${selector.kind}:${selector.id}`);
        if (member !== undefined) setBit(bits, member);
      }
    }
    return Int32Array.from(bitIndexes(bits));
  }

  private internMembers(members: Int32Array): MemberSet {
    const first = members.length > 0 ? members[0]! : -1;
    return this.intern(
      members.length,
      first,
      this.hash(members, this.low),
      this.hash(members, this.high),
      members,
    );
  }

  private intern(
    size: number,
    first: number,
    low: number,
    high: number,
    source: Int32Array | (() => Int32Array),
    makeCidrs?: () => string[],
  ): MemberSet {
    const fingerprint = `${size}:${low}:${high}`;
    const candidates = this.byFingerprint.get(fingerprint) ?? [];
    const set = new MemberSet(this.nextId, size, first, low, high, this.table, source, makeCidrs);
    // A fingerprint match is checked member by member: a collision must never merge two sets.
    const same = candidates.find((candidate) => sameMembers(candidate.members, set.members));
    if (same) return same;
    this.nextId++;
    candidates.push(set);
    this.byFingerprint.set(fingerprint, candidates);
    return set;
  }

  private hash(members: Int32Array, hashes: Uint32Array): number {
    let value = 0;
    for (const member of members) value ^= hashes[member]!;
    return value >>> 0;
  }
}

function sameMembers(a: Int32Array, b: Int32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
