import type { FilterEntry } from '@wirefleet/shared/protocol';
import type { MemberSet } from './member-sets.js';
import type { PolicyIndex } from './policy-index.js';
import { chunkRanges, combineSummaries, type FilterProto, PROTO_ORDER, type PortSummary } from './ports.js';
import type { RuleLookup } from './rule-lookup.js';

/**
 * An entry before it becomes JSON: what its targets (`to`: none for the node itself, else some
 * of its devices, by member number) admit from one from-set on one protocol.
 */
export interface Draft {
  from: MemberSet;
  to: number[];
  proto: FilterProto;
  /** Merged ranges for tcp/udp; undefined for icmp and any. */
  ranges: [number, number][] | undefined;
}

/** `to` of the node's own drafts; never pushed to (device drafts get their own). */
const NO_DEVICES: number[] = [];

/** Everything that may reach `target`, grouped by from-set and protocol, ports merged. */
export function targetDrafts(index: PolicyIndex, lookup: RuleLookup, target: number): Draft[] {
  const bySource = new Map<MemberSet, PortSummary[]>();
  const add = (from: MemberSet | undefined, summary: PortSummary) => {
    // A rule whose sources are no member (an unused tag), or only the target itself, admits nothing.
    if (!from || from.size === 0) return;
    const list = bySource.get(from);
    if (list) list.push(summary);
    else bySource.set(from, [summary]);
  };
  // A member never needs the filter to reach itself: its own traffic never enters the tunnel.
  for (const rule of lookup.targeting(target))
    add(index.sets.without(index.srcSet(rule), target), rule.summary);
  for (const forward of index.forwardsByTarget.get(target) ?? [])
    if (forward.source !== target) add(index.single(forward.source), forward.summary);
  const drafts: Draft[] = [];
  for (const [from, summaries] of bySource) addDrafts(drafts, from, combineSummaries(summaries));
  return drafts;
}

function addDrafts(drafts: Draft[], from: MemberSet, summary: PortSummary): void {
  const to = NO_DEVICES;
  if (summary.any) {
    drafts.push({ from, to, proto: 'any', ranges: undefined });
    return;
  }
  if (summary.icmp) drafts.push({ from, to, proto: 'icmp', ranges: undefined });
  if (summary.tcp.length > 0) drafts.push({ from, to, proto: 'tcp', ranges: summary.tcp });
  if (summary.udp.length > 0) drafts.push({ from, to, proto: 'udp', ranges: summary.udp });
}

function compareNumbers(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const shared = Math.min(a.length, b.length);
  for (let i = 0; i < shared; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** Traffic to the node itself first, then by devices, protocol, sources and ports: one order for the same inputs. */
function compareDrafts(a: Draft, b: Draft): number {
  return (
    compareNumbers(a.to, b.to) ||
    PROTO_ORDER[a.proto] - PROTO_ORDER[b.proto] ||
    compareSets(a.from, b.from) ||
    compareRanges(a.ranges ?? [], b.ranges ?? [])
  );
}

/**
 * A total order on sets that rarely walks them: by first address, size, then fingerprint
 * (all functions of the members alone), and member by member only when all of these tie.
 */
function compareSets(a: MemberSet, b: MemberSet): number {
  if (a === b) return 0;
  return (
    a.first - b.first ||
    a.size - b.size ||
    a.low - b.low ||
    a.high - b.high ||
    compareNumbers(a.members, b.members)
  );
}

function compareRanges(a: readonly [number, number][], b: readonly [number, number][]): number {
  const shared = Math.min(a.length, b.length);
  for (let i = 0; i < shared; i++) {
    const order = a[i]![0] - b[i]![0] || a[i]![1] - b[i]![1];
    if (order !== 0) return order;
  }
  return a.length - b.length;
}

/**
 * Devices admitting the same sources on the same ports share one entry (`to` lists them all),
 * so a node with many alike devices gets one entry, not one per device.
 */
function deviceDrafts(index: PolicyIndex, lookup: RuleLookup, devices: readonly number[]): Draft[] {
  const byShape = new Map<string, Draft>();
  for (const device of devices)
    for (const draft of targetDrafts(index, lookup, device)) {
      const shape = `${draft.from.id}|${draft.proto}|${draft.ranges?.join(';') ?? ''}`;
      const same = byShape.get(shape);
      if (same) same.to.push(device);
      // Each shape gets its own `to`: the device's other drafts must not grow with this one.
      else byShape.set(shape, { ...draft, to: [device] });
    }
  return [...byShape.values()];
}

/** The node's `filter.inbound`: entries without `to` for itself, with `to` for its devices. */
export function nodeFilter(index: PolicyIndex, lookup: RuleLookup, slot: number): FilterEntry[] {
  const node = index.table.nodeIndexes[slot]!;
  const group = index.table.groups[slot]!;
  const drafts = targetDrafts(index, lookup, node);
  if (group.length > 1)
    drafts.push(
      ...deviceDrafts(
        index,
        lookup,
        group.filter((member) => member !== node),
      ),
    );
  drafts.sort(compareDrafts);
  const entries: FilterEntry[] = [];
  for (const draft of drafts) addEntries(entries, index, draft);
  return entries;
}

function addEntries(entries: FilterEntry[], index: PolicyIndex, draft: Draft): void {
  const to = draft.to.length > 0 ? draft.to.map((member) => index.table.cidrs[member]!) : undefined;
  const from = draft.from.cidrs;
  const proto = draft.proto;
  if (!draft.ranges) entries.push(to ? { from, to, proto } : { from, proto });
  else
    for (const ports of chunkRanges(draft.ranges))
      entries.push(to ? { from, to, proto, ports } : { from, proto, ports });
}
