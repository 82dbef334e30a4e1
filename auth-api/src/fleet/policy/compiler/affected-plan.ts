import { bitIndexes } from './bitset.js';
import type { InputDiff, MemberChange } from './input-diff.js';
import type { MemberSet } from './member-sets.js';
import type { CompiledRule, PolicyIndex, ResolvedForward } from './policy-index.js';
import { anySelectorMatches, memberRef } from './selectors.js';
import type { PolicyForward, PolicyMember } from './types.js';

/**
 * What a change can have changed, read from the change alone. Only rules it adds or removes,
 * or whose sources or destinations gain or lose a changed member, can change a filter; and a
 * changed member or forward only changes peerings that involve its home node (the "pivot"),
 * so a pivot's own peers are compared and every other node only for its pairing with the pivot.
 */
export class Plan {
  /** Nodes that came or went. */
  readonly certain = new Set<number>();
  /** Nodes whose whole peer set must be compared (ends of added or removed rules). */
  readonly peerNodes = new Set<number>();
  /** Nodes all of whose changed pairings involve themselves. */
  readonly pivots = new Set<number>();
  /** Member refs whose part of their home's filter must be compared. */
  readonly targets = new Set<string>();

  addHomesOf(index: PolicyIndex, set: MemberSet): void {
    for (const slot of bitIndexes(set.homes)) this.peerNodes.add(index.table.nodeIds[slot]!);
  }

  addMembersOf(index: PolicyIndex, set: MemberSet): void {
    for (const member of set.members) this.targets.add(memberRef(index.table.members[member]!));
  }

  /** A forward from a node to a member changes only that pair's peering, and the target's filter. */
  forward(index: PolicyIndex, nodeId: number, target: number | undefined): void {
    this.pivots.add(nodeId);
    if (target !== undefined) this.targets.add(memberRef(index.table.members[target]!));
  }
}

/** A node with routes that came, went or changed: every node's peers change, so no shortcut. */
function routerChanged(change: MemberChange): boolean {
  return (change.before?.hasRoutes ?? false) !== (change.after?.hasRoutes ?? false);
}

/** The forwards of `index` that name the changed member as source or target. */
function forwardsTouching(index: PolicyIndex, change: MemberChange): ResolvedForward[] {
  const { table } = index;
  const touched: ResolvedForward[] = [];
  for (const list of index.forwardsByTarget.values())
    for (const forward of list)
      if (
        memberRef(table.members[forward.source]!) === change.ref ||
        memberRef(table.members[forward.target]!) === change.ref
      )
        touched.push(forward);
  return touched;
}

function inRule(rule: CompiledRule, side: 'src' | 'dst', member: PolicyMember | undefined): boolean {
  return member !== undefined && anySelectorMatches(rule[side], member);
}

/** A changed member: its homes are pivots; rules whose sources it joins or leaves change their destinations' filters. */
function planMember(
  plan: Plan,
  change: MemberChange,
  sides: [PolicyIndex, PolicyIndex],
  common: Array<[CompiledRule, CompiledRule]>,
): void {
  for (const member of [change.before, change.after]) if (member) plan.pivots.add(member.homeNodeId);
  plan.targets.add(change.ref);
  for (const [old, fresh] of common) {
    const was = inRule(old, 'src', change.before);
    const is = inRule(fresh, 'src', change.after);
    if (was === is && !(change.moved && was)) continue;
    plan.addMembersOf(sides[0], sides[0].dstSet(old));
    plan.addMembersOf(sides[1], sides[1].dstSet(fresh));
  }
  for (const index of sides)
    for (const forward of forwardsTouching(index, change))
      plan.forward(index, index.table.nodeIds[forward.nodeSlot]!, forward.target);
}

/** A rule that is only on one side: every pairing of its ends, and its destinations' filters. */
function planRule(plan: Plan, index: PolicyIndex, rule: CompiledRule): void {
  plan.addMembersOf(index, index.dstSet(rule));
  plan.addHomesOf(index, index.dstSet(rule));
  plan.addHomesOf(index, index.srcSet(rule));
}

function planForward(plan: Plan, index: PolicyIndex, forward: PolicyForward): void {
  plan.forward(index, forward.nodeId, index.table.byAddress.get(forward.targetIp));
}

/** The plan for `diff`; undefined when it has no shortcut (a node with routes changed). */
export function planChange(diff: InputDiff, before: PolicyIndex, after: PolicyIndex): Plan | undefined {
  if (diff.members.some(routerChanged)) return undefined;
  const plan = new Plan();
  for (const change of diff.members)
    if (change.ref.startsWith('node:') && (!change.before || !change.after))
      plan.certain.add((change.before ?? change.after)!.id);
  const common = diff.rules.common.map(({ before: old, after: fresh }): [CompiledRule, CompiledRule] => [
    before.rules[old]!,
    after.rules[fresh]!,
  ]);
  for (const change of diff.members) planMember(plan, change, [before, after], common);
  for (const position of diff.rules.removed) planRule(plan, before, before.rules[position]!);
  for (const position of diff.rules.added) planRule(plan, after, after.rules[position]!);
  for (const forward of diff.removedForwards) planForward(plan, before, forward);
  for (const forward of diff.addedForwards) planForward(plan, after, forward);
  return plan;
}
