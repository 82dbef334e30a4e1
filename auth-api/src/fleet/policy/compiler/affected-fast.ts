import type { PolicyDocument } from '@wirefleet/shared/schemas';
import { AdmissionCheck } from './admission.js';
import { type Plan, planChange } from './affected-plan.js';
import { bitIndexes } from './bitset.js';
import { cachedIndex } from './index-cache.js';
import { diffInputs } from './input-diff.js';
import { type Draft, targetDrafts } from './node-filter.js';
import { peerSlots } from './node-peers.js';
import { compileRules, PolicyIndex } from './policy-index.js';
import { InvertedLookup, MatchingLookup, type RuleLookup, TargetBitsLookup } from './rule-lookup.js';
import type { PolicyInputs } from './types.js';

/** One side of the change, indexed, with the rule lookup that suits the number of questions. */
interface Side {
  index: PolicyIndex;
  lookup: RuleLookup;
}

/** Above this many nodes or members to ask about, resolving rules once beats matching selectors per question. */
const MATCHING_LIMIT = 16;

function sameRanges(
  a: readonly [number, number][] | undefined,
  b: readonly [number, number][] | undefined,
): boolean {
  if (a === b) return true;
  if (!a || !b || a.length !== b.length) return false;
  return a.every((range, i) => range[0] === b[i]![0] && range[1] === b[i]![1]);
}

/**
 * The same sources, protocols and ports, whatever the two sides' member numbering. A target
 * has a handful of drafts, so pairing them up directly beats building keys.
 */
function sameDrafts(a: readonly Draft[], b: readonly Draft[]): boolean {
  if (a.length !== b.length) return false;
  return b.every((draft) =>
    a.some(
      (other) =>
        other.proto === draft.proto &&
        sameRanges(other.ranges, draft.ranges) &&
        other.from.sameAddresses(draft.from),
    ),
  );
}

function peerIds(side: Side, nodeId: number): number[] | 'all' | undefined {
  const slot = side.index.table.slotOfNode.get(nodeId);
  if (slot === undefined) return undefined;
  const peers = peerSlots(side.index, side.lookup, slot);
  return peers === 'all' ? 'all' : bitIndexes(peers).map((peer) => side.index.table.nodeIds[peer]!);
}

function peersDiffer(before: Side, after: Side, nodeId: number): boolean {
  const old = peerIds(before, nodeId);
  const fresh = peerIds(after, nodeId);
  if (old === fresh) return false;
  if (!Array.isArray(old) || !Array.isArray(fresh) || old.length !== fresh.length) return true;
  return old.some((id, position) => fresh[position] !== id);
}

function isRouter(side: Side, nodeId: number): boolean {
  const slot = side.index.table.slotOfNode.get(nodeId);
  return slot !== undefined && side.index.table.nodeMember(slot).hasRoutes;
}

/**
 * The nodes whose peers differ through the pivot: the pivot itself, and every node gained or
 * lost as its peer (peering is symmetric), but nodes with routes, which keep 'all'. Those did
 * not change (no fast path otherwise), so a pivot with 'all' on one side has it on both.
 */
function pivotChanges(before: Side, after: Side, pivot: number): number[] {
  const old = peerIds(before, pivot) ?? [];
  const fresh = peerIds(after, pivot) ?? [];
  if (old === 'all' || fresh === 'all') return [];
  const oldSet = new Set(old);
  const freshSet = new Set(fresh);
  const changed = [...old.filter((id) => !freshSet.has(id)), ...fresh.filter((id) => !oldSet.has(id))];
  if (changed.length === 0) return [];
  return [pivot, ...changed.filter((id) => !isRouter(before, id) && !isRouter(after, id))];
}

/** The home nodes whose filters differ because of what `ref` is admitted (or where it sits). */
function filterHomes(before: Side, after: Side, ref: string): number[] {
  const drafts = (side: Side) => {
    const member = side.index.table.byRef.get(ref);
    return member === undefined
      ? { drafts: [], member: undefined }
      : { drafts: targetDrafts(side.index, side.lookup, member), member: side.index.table.members[member] };
  };
  const old = drafts(before);
  const fresh = drafts(after);
  // A device's address is in its node's `to`, and its home is where its entries go: when it
  // moves, its old home loses its entries and its new home gains them.
  const moved =
    old.member?.homeNodeId !== fresh.member?.homeNodeId ||
    (ref.startsWith('device:') && old.member?.address !== fresh.member?.address);
  if (!moved) return sameDrafts(old.drafts, fresh.drafts) ? [] : [old.member!.homeNodeId];
  const homes: number[] = [];
  if (old.drafts.length > 0) homes.push(old.member!.homeNodeId);
  if (fresh.drafts.length > 0) homes.push(fresh.member!.homeNodeId);
  return homes;
}

type Documented = PolicyInputs & { document: PolicyDocument };

function addPeerChanges(affected: Set<number>, plan: Plan, old: Side, fresh: Side): void {
  for (const pivot of plan.pivots) for (const id of pivotChanges(old, fresh, pivot)) affected.add(id);
  for (const id of plan.peerNodes) if (!affected.has(id) && peersDiffer(old, fresh, id)) affected.add(id);
}

function homesOf(ref: string, sides: readonly [PolicyIndex, PolicyIndex]): Array<number | undefined> {
  return sides.map((index) => index.table.members[index.table.byRef.get(ref) ?? -1]?.homeNodeId);
}

/** Every home of the member, on either side, is already known to change: nothing more to learn. */
function homesKnown(
  affected: ReadonlySet<number>,
  ref: string,
  sides: readonly [PolicyIndex, PolicyIndex],
): boolean {
  return homesOf(ref, sides).every((home) => home === undefined || affected.has(home));
}

/**
 * Settles a target without compiling it when it can: its home is known to change already, or
 * (a target that stayed where it was) a retagged member is now admitted to it differently.
 */
function decidedByAdmission(
  affected: Set<number>,
  ref: string,
  changed: ReadonlySet<string>,
  admission: () => AdmissionCheck,
  sides: readonly [PolicyIndex, PolicyIndex],
): boolean {
  if (homesKnown(affected, ref, sides)) return true;
  const [before, after] = sides.map((index) => index.table.byRef.get(ref));
  if (before === undefined || after === undefined || changed.has(ref)) return false;
  if (!admission().changedFor(before, after)) return false;
  affected.add(sides[0].table.members[before]!.homeNodeId);
  return true;
}

/**
 * `affectedNodes` without compiling every node: plan what the change can reach, then compare
 * only those nodes' peers and those members' filter parts. Undefined when there is no
 * shortcut (no document on a side, or a node with routes changed): the caller compiles both.
 */
export function affectedByFastPath(
  before: PolicyInputs,
  after: PolicyInputs,
  /** Tests lower it to take the lookups meant for big changes on small networks. */
  matchingLimit = MATCHING_LIMIT,
): number[] | undefined {
  if (!before.document || !after.document) return undefined;
  const diff = diffInputs(before as Documented, after as Documented);
  const { document: oldDocument, members, forwards } = before;
  const oldIndex = cachedIndex(before, () => new PolicyIndex(members, compileRules(oldDocument), forwards));
  // Compiled rules are immutable: one document's serve both sides.
  const freshRules = after.document === before.document ? oldIndex.rules : compileRules(after.document);
  const freshIndex = cachedIndex(
    after,
    () => new PolicyIndex(after.members, freshRules, after.forwards, oldIndex),
  );
  const plan = planChange(diff, oldIndex, freshIndex);
  if (!plan) return undefined;
  const affected = new Set(plan.certain);
  const peerLookup = (index: PolicyIndex) =>
    plan.peerNodes.size > matchingLimit ? new InvertedLookup(index) : new MatchingLookup(index);
  addPeerChanges(
    affected,
    plan,
    { index: oldIndex, lookup: peerLookup(oldIndex) },
    { index: freshIndex, lookup: peerLookup(freshIndex) },
  );
  const sides = [oldIndex, freshIndex] as const;
  const changed = new Set(diff.members.map((change) => change.ref));
  let check: AdmissionCheck | undefined;
  const admission = () => {
    check ??= new AdmissionCheck(diff.members, oldIndex, freshIndex);
    return check;
  };
  const undecided = [...plan.targets].filter(
    (ref) => !decidedByAdmission(affected, ref, changed, admission, sides),
  );
  // Only the targets the admission test left open are compiled: by matching when they are few.
  const targetLookup = (index: PolicyIndex) =>
    undecided.length > matchingLimit ? new TargetBitsLookup(index) : new MatchingLookup(index);
  const old = { index: oldIndex, lookup: targetLookup(oldIndex) };
  const fresh = { index: freshIndex, lookup: targetLookup(freshIndex) };
  for (const ref of undecided)
    if (!homesKnown(affected, ref, sides)) for (const id of filterHomes(old, fresh, ref)) affected.add(id);
  const isNode = (id: number) => oldIndex.table.slotOfNode.has(id) || freshIndex.table.slotOfNode.has(id);
  return [...affected].filter(isNode).sort((a, b) => a - b);
}
