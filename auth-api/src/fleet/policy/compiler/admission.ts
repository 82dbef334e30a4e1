import type { MemberChange } from './input-diff.js';
import type { CompiledRule, PolicyIndex } from './policy-index.js';
import { combineSummaries, type PortSummary } from './ports.js';
import { anySelectorMatches } from './selectors.js';

/** What one side admits from one source member: the rules naming it as a source, and its forwards. */
interface SourceOnSide {
  index: PolicyIndex;
  source: number;
  rules: CompiledRule[];
}

function summaryText(summary: PortSummary | undefined): string {
  if (!summary) return 'nothing';
  if (summary.any) return 'any';
  return `${summary.icmp}|${summary.tcp.join(';')}|${summary.udp.join(';')}`;
}

function admitted(side: SourceOnSide, target: number): string {
  const summaries: PortSummary[] = [];
  for (const rule of side.rules) if (side.index.dstSet(rule).has(target)) summaries.push(rule.summary);
  for (const forward of side.index.forwardsByTarget.get(target) ?? [])
    if (forward.source === side.source) summaries.push(forward.summary);
  return summaryText(summaries.length > 0 ? combineSummaries(summaries) : undefined);
}

/**
 * A quick sufficient test that a member's filter part changed: a changed member that kept its
 * address and home (only its tags changed) is now admitted to the target on other protocols or
 * ports than before. The filter states admission exactly, so then it must differ; computing
 * the target's whole filter part is only needed when this test finds nothing.
 */
export class AdmissionCheck {
  private readonly sources: Array<[SourceOnSide, SourceOnSide]>;

  constructor(changes: readonly MemberChange[], before: PolicyIndex, after: PolicyIndex) {
    const onSide = (index: PolicyIndex, ref: string): SourceOnSide | undefined => {
      const source = index.table.byRef.get(ref);
      if (source === undefined) return undefined;
      // Matching the one member against each rule's sources resolves no set it does not need.
      const member = index.table.members[source]!;
      return { index, source, rules: index.rules.filter((rule) => anySelectorMatches(rule.src, member)) };
    };
    this.sources = changes.flatMap((change) => {
      if (change.moved) return [];
      const pair = [onSide(before, change.ref), onSide(after, change.ref)] as const;
      return pair[0] && pair[1] ? [[pair[0], pair[1]] as [SourceOnSide, SourceOnSide]] : [];
    });
  }

  /** True when some tags-only change is admitted to the target differently (by member number on each side). */
  changedFor(targetBefore: number, targetAfter: number): boolean {
    return this.sources.some(
      ([old, fresh]) =>
        old.source !== targetBefore && admitted(old, targetBefore) !== admitted(fresh, targetAfter),
    );
  }
}
