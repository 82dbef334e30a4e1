import type { PolicyDocument } from '@wirefleet/shared/schemas';
import { type MemberSet, MemberSets } from './member-sets.js';
import { MemberTable } from './member-table.js';
import { type PortGrant, type PortSummary, parsePortSpec, summarizeGrants } from './ports.js';
import { parseSelector, type Selector } from './selectors.js';
import type { PolicyForward, PolicyMember } from './types.js';

/** One rule of the document, parsed once. `srcKey`/`dstKey` are its selector lists' text (set cache keys). */
export interface CompiledRule {
  index: number;
  src: Selector[];
  dst: Selector[];
  srcKey: string;
  dstKey: string;
  grants: PortGrant[];
  /** `grants` reduced for the filter, once per rule. */
  summary: PortSummary;
}

/** A port forward whose node and target are both members: an implied allow node → target. */
export interface ResolvedForward {
  nodeSlot: number;
  /** The forwarding node's member number: the connection's source address. */
  source: number;
  target: number;
  summary: PortSummary;
}

function parseRules(document: PolicyDocument): CompiledRule[] {
  return document.rules.map((rule, index) => {
    const grants = rule.ports.map(parsePortSpec);
    return {
      index,
      src: rule.src.map(parseSelector),
      dst: rule.dst.map(parseSelector),
      srcKey: [...rule.src].sort().join(' '),
      dstKey: [...rule.dst].sort().join(' '),
      grants,
      summary: summarizeGrants(grants),
    };
  });
}

/** Parsed rules per document object: `check` and the document's tests ask about one document many times. */
const parsed = new WeakMap<
  PolicyDocument,
  { rules: PolicyDocument['rules']; length: number; compiled: CompiledRule[] }
>();

/** The document's rules, parsed (once per document object; compiled rules are immutable). */
export function compileRules(document: PolicyDocument): CompiledRule[] {
  const cached = parsed.get(document);
  if (cached && cached.rules === document.rules && cached.length === document.rules.length)
    return cached.compiled;
  const compiled = parseRules(document);
  parsed.set(document, { rules: document.rules, length: document.rules.length, compiled });
  return compiled;
}

function resolveForwards(table: MemberTable, forwards: readonly PolicyForward[]): ResolvedForward[] {
  const resolved: ResolvedForward[] = [];
  for (const forward of forwards) {
    const nodeSlot = table.slotOfNode.get(forward.nodeId);
    const target = table.byAddress.get(forward.targetIp);
    // A target outside the tunnel (a LAN host behind the node) is not the policy's concern.
    if (nodeSlot === undefined || target === undefined) continue;
    const port = forward.targetPort;
    const source = table.nodeIndexes[nodeSlot]!;
    const summary = summarizeGrants([{ proto: forward.protocol, low: port, high: port }]);
    resolved.push({ nodeSlot, source, target, summary });
  }
  return resolved;
}

function groupBy<T>(items: readonly T[], key: (item: T) => number): Map<number, T[]> {
  const groups = new Map<number, T[]>();
  for (const item of items) {
    const list = groups.get(key(item));
    if (list) list.push(item);
    else groups.set(key(item), [item]);
  }
  return groups;
}

/**
 * The members, rules and forwards of one `PolicyInputs`, indexed, with each rule's member sets
 * resolved on first use and shared by every node that needs them.
 */
export class PolicyIndex {
  readonly table: MemberTable;
  readonly sets: MemberSets;
  readonly forwardsByTarget: Map<number, ResolvedForward[]>;
  readonly forwardsBySourceSlot: Map<number, ResolvedForward[]>;
  readonly forwardsByTargetSlot: Map<number, ResolvedForward[]>;
  private readonly srcSets: (MemberSet | undefined)[] = [];
  private readonly dstSets: (MemberSet | undefined)[] = [];

  /** `base`, the other side of a change, lends its member layout when only tags differ. */
  constructor(
    members: readonly PolicyMember[],
    readonly rules: readonly CompiledRule[],
    forwards: readonly PolicyForward[],
    base?: PolicyIndex,
  ) {
    this.table = new MemberTable(members, base?.table);
    this.sets = new MemberSets(this.table, base?.sets);
    const resolved = resolveForwards(this.table, forwards);
    this.forwardsByTarget = groupBy(resolved, (forward) => forward.target);
    this.forwardsBySourceSlot = groupBy(resolved, (forward) => forward.nodeSlot);
    this.forwardsByTargetSlot = groupBy(resolved, (forward) => this.table.homeSlot[forward.target]!);
  }

  srcSet(rule: CompiledRule): MemberSet {
    this.srcSets[rule.index] ??= this.sets.resolve(rule.srcKey, rule.src);
    return this.srcSets[rule.index]!;
  }

  dstSet(rule: CompiledRule): MemberSet {
    this.dstSets[rule.index] ??= this.sets.resolve(rule.dstKey, rule.dst);
    return this.dstSets[rule.index]!;
  }

  /** The set holding just `member`: the source of a forward's implied allow. */
  single(member: number): MemberSet {
    return this.sets.ofMembers([member]);
  }
}
