import { bitIndexes } from './bitset.js';
import type { CompiledRule, PolicyIndex } from './policy-index.js';
import { anySelectorMatches } from './selectors.js';

/** Which rules concern one member or one node's group (the node and its devices). */
export interface RuleLookup {
  /** Rules whose `dst` holds the member. */
  targeting(member: number): readonly CompiledRule[];
  /** Rules whose `src` holds a member of the group in `slot`. */
  fromGroup(slot: number): readonly CompiledRule[];
  /** Rules whose `dst` holds a member of the group in `slot`. */
  toGroup(slot: number): readonly CompiledRule[];
}

/**
 * For one node: match each rule's selectors against the few members of that node's group,
 * resolving no set the node does not need. What a single config request uses.
 */
export class MatchingLookup implements RuleLookup {
  constructor(private readonly index: PolicyIndex) {}

  targeting(member: number): readonly CompiledRule[] {
    const subject = this.index.table.members[member]!;
    return this.index.rules.filter((rule) => anySelectorMatches(rule.dst, subject));
  }

  fromGroup(slot: number): readonly CompiledRule[] {
    const group = this.index.table.groups[slot]!.map((member) => this.index.table.members[member]!);
    return this.index.rules.filter((rule) => group.some((member) => anySelectorMatches(rule.src, member)));
  }

  toGroup(slot: number): readonly CompiledRule[] {
    const group = this.index.table.groups[slot]!.map((member) => this.index.table.members[member]!);
    return this.index.rules.filter((rule) => group.some((member) => anySelectorMatches(rule.dst, member)));
  }
}

/**
 * For many members' filters but few nodes' peers (what a change touches): a rule targets a
 * member when its resolved `dst` holds it (one bit test, no selector matching); peers are
 * answered by matching, as for a single node.
 */
export class TargetBitsLookup extends MatchingLookup {
  constructor(private readonly policy: PolicyIndex) {
    super(policy);
  }

  override targeting(member: number): readonly CompiledRule[] {
    return this.policy.rules.filter((rule) => this.policy.dstSet(rule).has(member));
  }
}

/**
 * For every node at once: resolve every rule's sets, then invert them (member → rules, node →
 * rules), so the work grows with the sets' sizes, never with members × rules.
 */
export class InvertedLookup implements RuleLookup {
  private readonly byTarget: CompiledRule[][];
  private readonly bySourceSlot: CompiledRule[][];
  private readonly byTargetSlot: CompiledRule[][];

  constructor(index: PolicyIndex) {
    const { table } = index;
    this.byTarget = table.members.map(() => []);
    this.bySourceSlot = table.nodeIds.map(() => []);
    this.byTargetSlot = table.nodeIds.map(() => []);
    for (const rule of index.rules) {
      for (const member of index.dstSet(rule).members) this.byTarget[member]!.push(rule);
      for (const slot of bitIndexes(index.srcSet(rule).homes)) this.bySourceSlot[slot]!.push(rule);
      for (const slot of bitIndexes(index.dstSet(rule).homes)) this.byTargetSlot[slot]!.push(rule);
    }
  }

  targeting(member: number): readonly CompiledRule[] {
    return this.byTarget[member]!;
  }

  fromGroup(slot: number): readonly CompiledRule[] {
    return this.bySourceSlot[slot]!;
  }

  toGroup(slot: number): readonly CompiledRule[] {
    return this.byTargetSlot[slot]!;
  }
}
