import type { FilterEntry } from '@wirefleet/shared/protocol';
import type { MemberSet } from './member-sets.js';
import type { PolicyIndex } from './policy-index.js';
import { chunkRanges, type FilterProto, mergeRanges, PROTO_ORDER, type PortGrant } from './ports.js';
import type { RuleLookup } from './rule-lookup.js';

/** What one target (the node, or one of its devices) admits from one from-set on one protocol. */
interface Piece {
  from: MemberSet;
  proto: FilterProto;
  /** Merged ranges for tcp/udp; undefined for icmp and any. */
  ranges: [number, number][] | undefined;
}

/** An entry before it becomes JSON, with the member numbers it sorts by. */
interface Draft extends Piece {
  to: number[];
}

/** Everything that may reach `target`, grouped by from-set and protocol, ports merged. */
function targetPieces(index: PolicyIndex, lookup: RuleLookup, target: number): Piece[] {
  const grants = new Map<MemberSet, PortGrant[]>();
  const add = (from: MemberSet | undefined, grant: PortGrant) => {
    if (!from) return;
    const list = grants.get(from);
    if (list) list.push(grant);
    else grants.set(from, [grant]);
  };
  for (const rule of lookup.targeting(target)) {
    // A member never needs the filter to reach itself: its own traffic never enters the tunnel.
    const from = index.sets.without(index.srcSet(rule), target);
    for (const grant of rule.grants) add(from, grant);
  }
  for (const forward of index.forwardsByTarget.get(target) ?? [])
    if (forward.source !== target) add(index.single(forward.source), forward.grant);
  const pieces: Piece[] = [];
  for (const [from, list] of grants) pieces.push(...piecesOf(from, list));
  return pieces;
}

/** One from-set's grants as pieces: `any` makes every other protocol redundant. */
function piecesOf(from: MemberSet, grants: readonly PortGrant[]): Piece[] {
  if (grants.some((grant) => grant.proto === 'any')) return [{ from, proto: 'any', ranges: undefined }];
  const pieces: Piece[] = [];
  if (grants.some((grant) => grant.proto === 'icmp')) pieces.push({ from, proto: 'icmp', ranges: undefined });
  for (const proto of ['tcp', 'udp'] as const) {
    const ranges = grants
      .filter((grant) => grant.proto === proto)
      .map((grant) => [grant.low, grant.high] as const);
    if (ranges.length > 0) pieces.push({ from, proto, ranges: mergeRanges(ranges) });
  }
  return pieces;
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
    compareNumbers(a.from.members, b.from.members) ||
    compareNumbers((a.ranges ?? []).flat(), (b.ranges ?? []).flat())
  );
}

/**
 * Devices admitting the same sources on the same ports share one entry (`to` lists them all),
 * so a node with many alike devices gets one entry, not one per device.
 */
function deviceDrafts(index: PolicyIndex, lookup: RuleLookup, devices: readonly number[]): Draft[] {
  const byShape = new Map<string, Draft>();
  for (const device of devices)
    for (const piece of targetPieces(index, lookup, device)) {
      const shape = `${piece.from.id}|${piece.proto}|${piece.ranges?.join(';') ?? ''}`;
      const draft = byShape.get(shape);
      if (draft) draft.to.push(device);
      else byShape.set(shape, { ...piece, to: [device] });
    }
  return [...byShape.values()];
}

/** The node's `filter.inbound`: entries without `to` for itself, with `to` for its devices. */
export function nodeFilter(index: PolicyIndex, lookup: RuleLookup, slot: number): FilterEntry[] {
  const node = index.table.nodeIndexes[slot]!;
  const devices = index.table.groups[slot]!.filter((member) => member !== node);
  const drafts: Draft[] = targetPieces(index, lookup, node).map((piece) => ({ ...piece, to: [] }));
  drafts.push(...deviceDrafts(index, lookup, devices));
  drafts.sort(compareDrafts);
  return drafts.flatMap((draft) => toEntries(index, draft));
}

function toEntries(index: PolicyIndex, draft: Draft): FilterEntry[] {
  const base = (): FilterEntry => {
    const entry: FilterEntry = { from: draft.from.cidrs, proto: draft.proto };
    if (draft.to.length > 0) entry.to = draft.to.map((member) => index.table.cidrs[member]!);
    return entry;
  };
  if (!draft.ranges) return [base()];
  return chunkRanges(draft.ranges).map((ports) => ({ ...base(), ports }));
}
