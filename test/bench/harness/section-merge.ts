/**
 * How a suite's section of docs/benchmarks.md is settled after a run, so that a suite that could
 * not run never costs the report its last good figures:
 * - rows and no error: the fresh section replaces the old one (refreshed);
 * - rows, then an error: the fresh rows are kept and the section says what failed (failed, partial);
 * - no rows: the previous section is kept if it has figures, with a banner saying when and why it
 *   was not refreshed and when its figures were measured (stale); with nothing to keep, the
 *   failure itself is the section (failed).
 * A stale section failing again gets a new banner but keeps its "Measured …" line, so the date of
 * the figures survives any number of failed runs; the next good run replaces the whole section.
 */
import type { SuiteOutcome } from '../report.js';

export type SectionStatus =
  | { kind: 'refreshed' }
  | { kind: 'stale'; reason: string; measuredAt: string }
  | { kind: 'failed'; reason: string; partial: boolean };

/** Goal cells counted in a section, whether just measured or kept from an earlier run. */
export interface GoalCount {
  met: number;
  missed: number;
}

export interface SettledSection {
  name: string;
  status: SectionStatus;
  section: string;
  goals: GoalCount;
}

const STALE_PREFIX = '**Stale:**';
const MEASURED_LINE = /^_Measured (\S+) on /m;
const TABLE_HEADER = /^\| Metric \| Value /m;

/** Why a suite produced no figures, in words for the banner and the summary. */
export function failureReason(outcome: Pick<SuiteOutcome, 'error'>): string {
  return outcome.error ?? 'the suite produced no results';
}

export function hasFigures(section: string): boolean {
  return TABLE_HEADER.test(section);
}

/** When a section's figures were measured, from its "Measured …" line. */
export function measuredAt(section: string): string | undefined {
  return MEASURED_LINE.exec(section)?.[1];
}

export function countGoals(section: string): GoalCount {
  const count = (cell: string) => section.split(`| ${cell} |`).length - 1;
  return { met: count('✅ met'), missed: count('❌ missed') };
}

/** One line of inline code: a reason may hold pipes, backticks or newlines from a stack. */
function inlineReason(reason: string): string {
  const flat = reason
    .replace(/\s*\n\s*/g, ' ')
    .replace(/`/g, "'")
    .replace(/\|/g, '\\|');
  return `\`${flat}\``;
}

export function staleBanner(date: string, reason: string, originalDate: string): string {
  return `${STALE_PREFIX} not refreshed on ${date} because: ${inlineReason(reason)}; figures below are from ${originalDate}.`;
}

/** Drops an earlier stale banner and the blank line before it. */
function withoutBanner(lines: string[]): string[] {
  return lines.filter((line, index) => {
    if (line.startsWith(STALE_PREFIX)) return false;
    return !(line === '' && lines[index + 1]?.startsWith(STALE_PREFIX));
  });
}

/**
 * The previous section, its figures untouched, with a banner under its "Measured …" line (or its
 * heading, for a hand-written section without one) saying it was not refreshed this time.
 */
export function markStale(previous: string, date: string, reason: string): string {
  const lines = withoutBanner(previous.split('\n'));
  const original = measuredAt(previous) ?? 'an earlier run';
  let anchor = lines.findIndex((line) => MEASURED_LINE.test(line));
  if (anchor < 0) anchor = lines.findIndex((line) => line.startsWith('## '));
  lines.splice(anchor + 1, 0, '', staleBanner(date, reason, original));
  return lines.join('\n');
}

/**
 * Picks what a suite's section becomes: `fresh` is the section rendered from this run's
 * outcome, `previous` the section the report held before (if any), `date` this run's date.
 */
export function settleSection(
  outcome: SuiteOutcome,
  fresh: string,
  previous: string | undefined,
  date: string,
): SettledSection {
  const name = outcome.suite.name;
  const settled = (status: SectionStatus, section: string): SettledSection => ({
    name,
    status,
    section,
    goals: countGoals(section),
  });
  if (outcome.results.length > 0) {
    if (outcome.error === undefined) return settled({ kind: 'refreshed' }, fresh);
    return settled({ kind: 'failed', reason: outcome.error, partial: true }, fresh);
  }
  const reason = failureReason(outcome);
  if (previous !== undefined && hasFigures(previous)) {
    const original = measuredAt(previous) ?? 'an earlier run';
    return settled({ kind: 'stale', reason, measuredAt: original }, markStale(previous, date, reason));
  }
  return settled({ kind: 'failed', reason, partial: false }, fresh);
}
