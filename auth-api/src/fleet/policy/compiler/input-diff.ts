import type { PolicyDocument } from '@wirefleet/shared/schemas';
import { memberRef } from './selectors.js';
import type { PolicyForward, PolicyInputs, PolicyMember } from './types.js';

/** One member that differs between the two sides (absent on a side when added or removed). */
export interface MemberChange {
  ref: string;
  before: PolicyMember | undefined;
  after: PolicyMember | undefined;
  /** Its address or home changed, or it came or went: wherever it is matched, things move. */
  moved: boolean;
}

/** Rules by position on each side: those only on one side, and pairs that read the same. */
export interface RuleChange {
  removed: number[];
  added: number[];
  common: Array<{ before: number; after: number }>;
}

/** What differs between two inputs that both have a document; tests do not count (they compile to nothing). */
export interface InputDiff {
  members: MemberChange[];
  rules: RuleChange;
  removedForwards: PolicyForward[];
  addedForwards: PolicyForward[];
}

function sameTags(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const set = new Set(a);
  return b.every((tag) => set.has(tag)) && new Set(b).size === set.size;
}

function sameMember(a: PolicyMember, b: PolicyMember): boolean {
  return (
    a === b ||
    (a.address === b.address &&
      a.homeNodeId === b.homeNodeId &&
      a.hasRoutes === b.hasRoutes &&
      sameTags(a.tags, b.tags))
  );
}

/**
 * The usual case, read position by position without building refs: the same members in the
 * same order, some retagged. Undefined when the lists do not line up that way.
 */
function alignedChanges(
  before: readonly PolicyMember[],
  after: readonly PolicyMember[],
): MemberChange[] | undefined {
  if (before.length !== after.length) return undefined;
  const changes: MemberChange[] = [];
  for (let i = 0; i < before.length; i++) {
    const a = before[i]!;
    const b = after[i]!;
    if (a.kind !== b.kind || a.id !== b.id || a.address !== b.address || a.homeNodeId !== b.homeNodeId)
      return undefined;
    if (!sameMember(a, b)) changes.push({ ref: memberRef(a), before: a, after: b, moved: false });
  }
  return changes;
}

function memberChanges(before: readonly PolicyMember[], after: readonly PolicyMember[]): MemberChange[] {
  const aligned = alignedChanges(before, after);
  if (aligned) return aligned;
  const old = new Map(before.map((member) => [memberRef(member), member]));
  const fresh = new Map(after.map((member) => [memberRef(member), member]));
  const refs = new Set([...old.keys(), ...fresh.keys()]);
  // A node that comes or goes takes its devices' traffic path with it: they move too.
  const homesGone = new Set<number>();
  for (const ref of refs)
    if (ref.startsWith('node:') && old.has(ref) !== fresh.has(ref))
      homesGone.add((old.get(ref) ?? fresh.get(ref))!.id);
  const changes: MemberChange[] = [];
  for (const ref of refs) {
    const a = old.get(ref);
    const b = fresh.get(ref);
    const moved =
      !a || !b || a.address !== b.address || a.homeNodeId !== b.homeNodeId || homesGone.has(a.homeNodeId);
    if (a === b && !moved) continue;
    if (moved || a.hasRoutes !== b.hasRoutes || !sameTags(a.tags, b.tags))
      changes.push({ ref, before: a, after: b, moved });
  }
  return changes;
}

/** Rules matched as a multiset of their text (description aside), so an insertion shifts nothing. */
function ruleChanges(before: PolicyDocument, after: PolicyDocument): RuleChange {
  const text = (rule: PolicyDocument['rules'][number]) => JSON.stringify([rule.src, rule.dst, rule.ports]);
  const unmatched = new Map<string, number[]>();
  after.rules.forEach((rule, index) => {
    const list = unmatched.get(text(rule));
    if (list) list.push(index);
    else unmatched.set(text(rule), [index]);
  });
  const change: RuleChange = { removed: [], added: [], common: [] };
  before.rules.forEach((rule, index) => {
    const match = unmatched.get(text(rule))?.shift();
    if (match === undefined) change.removed.push(index);
    else change.common.push({ before: index, after: match });
  });
  for (const list of unmatched.values()) change.added.push(...list);
  return change;
}

function forwardChanges(before: readonly PolicyForward[], after: readonly PolicyForward[]) {
  const text = (forward: PolicyForward) =>
    `${forward.nodeId} ${forward.protocol} ${forward.targetIp} ${forward.targetPort}`;
  const count = new Map<string, number>();
  for (const forward of after) count.set(text(forward), (count.get(text(forward)) ?? 0) + 1);
  const removedForwards = before.filter((forward) => {
    const left = count.get(text(forward)) ?? 0;
    count.set(text(forward), left - 1);
    return left <= 0;
  });
  const addedForwards = after.filter((forward) => {
    const left = count.get(text(forward)) ?? 0;
    count.set(text(forward), left - 1);
    return left > 0;
  });
  return { removedForwards, addedForwards };
}

export function diffInputs(
  before: PolicyInputs & { document: PolicyDocument },
  after: PolicyInputs & { document: PolicyDocument },
): InputDiff {
  return {
    members: memberChanges(before.members, after.members),
    rules: ruleChanges(before.document, after.document),
    ...forwardChanges(before.forwards, after.forwards),
  };
}
