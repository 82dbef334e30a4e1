import { describe, expect, it } from 'vitest';
import { parseSections, renderReport, renderSection, type SuiteOutcome } from '../report.js';
import type { MachineInfo } from '../support/machine.js';
import type { BenchResult, BenchSuite } from '../types.js';
import { exitCodeFor, renderSummary } from './run-summary.js';
import { type SettledSection, settleSection } from './section-merge.js';

const suite: BenchSuite = {
  name: 'agent',
  title: 'agent: applying peers',
  description: 'Applies peers.',
  run: async () => [],
};
const other: BenchSuite = { ...suite, name: 'tokens', title: 'tokens: signing' };

const machineAt = (date: string): MachineInfo => ({
  cores: 2,
  cpuModel: 'Test CPU',
  memoryGiB: 8,
  node: 'v20.0.0',
  platform: 'linux 6.0',
  date,
});

const row = (metric: string, value: number, met?: boolean): BenchResult => ({
  metric,
  value,
  unit: 'ms',
  goal: met === undefined ? undefined : '≤ 20 ms',
  met,
});

const outcome = (results: BenchResult[], error?: string): SuiteOutcome => ({
  suite,
  results,
  error,
  seconds: 3,
  loadAverage: 0.5,
});

/** One run of the agent suite merged into `previous` (a section, or undefined for none). */
function runOnce(previous: string | undefined, date: string, result: SuiteOutcome): SettledSection {
  return settleSection(result, renderSection(result, machineAt(date), false), previous, date);
}

const GOOD_1 = '2026-12-01T10:00:00Z';
const GOOD_2 = '2026-12-02T10:00:00Z';
const FAIL_1 = '2026-12-03T10:00:00Z';
const FAIL_2 = '2026-12-04T10:00:00Z';
const NEEDS_TOOLS = 'the agent suite needs wg, wireguard-go, nft';

const firstGood = runOnce(
  undefined,
  GOOD_1,
  outcome([row('Full apply', 192, false), row('Change', 12, true)]),
);

describe('settling a suite section after a run', () => {
  it('good then good: the fresh figures replace the old ones', () => {
    const second = runOnce(firstGood.section, GOOD_2, outcome([row('Full apply', 130, true)]));
    expect(second.status).toEqual({ kind: 'refreshed' });
    expect(second.section).toContain(`_Measured ${GOOD_2} on`);
    expect(second.section).toContain('| Full apply | 130 ms |');
    expect(second.section).not.toContain('192 ms');
    expect(second.section).not.toContain('Stale');
    expect(second.goals).toEqual({ met: 1, missed: 0 });
  });

  it('good then failed: the last good figures stay, under a stale banner', () => {
    const failed = runOnce(firstGood.section, FAIL_1, outcome([], NEEDS_TOOLS));
    expect(failed.status).toEqual({ kind: 'stale', reason: NEEDS_TOOLS, measuredAt: GOOD_1 });
    expect(failed.section).toContain(
      `**Stale:** not refreshed on ${FAIL_1} because: \`${NEEDS_TOOLS}\`; figures below are from ${GOOD_1}.`,
    );
    expect(failed.section).toContain(`_Measured ${GOOD_1} on`);
    expect(failed.section).toContain('| Full apply | 192 ms |');
    expect(failed.section).toContain('❌ missed');
    expect(failed.section).not.toContain('This suite failed');
    expect(failed.goals).toEqual({ met: 1, missed: 1 });
  });

  it('stale then failed again: one banner, the new date and reason, the original date kept', () => {
    const stale = runOnce(firstGood.section, FAIL_1, outcome([], NEEDS_TOOLS));
    const again = runOnce(stale.section, FAIL_2, outcome([], 'Postgres unreachable'));
    expect(again.status).toEqual({ kind: 'stale', reason: 'Postgres unreachable', measuredAt: GOOD_1 });
    expect(again.section.match(/\*\*Stale:\*\*/g)).toHaveLength(1);
    expect(again.section).toContain(
      `not refreshed on ${FAIL_2} because: \`Postgres unreachable\`; figures below are from ${GOOD_1}.`,
    );
    expect(again.section).not.toContain(FAIL_1);
    expect(again.section).toContain('| Full apply | 192 ms |');
    // Settling is stable: the section is the first stale one with only the banner changed.
    expect(again.section.replace(FAIL_2, FAIL_1).replace('Postgres unreachable', NEEDS_TOOLS)).toBe(
      stale.section,
    );
  });

  it('stale then good: the banner is gone with the old figures', () => {
    const stale = runOnce(firstGood.section, FAIL_1, outcome([], NEEDS_TOOLS));
    const good = runOnce(stale.section, GOOD_2, outcome([row('Full apply', 120, true)]));
    expect(good.status).toEqual({ kind: 'refreshed' });
    expect(good.section).not.toContain('Stale');
    expect(good.section).toContain(`_Measured ${GOOD_2} on`);
    expect(good.section).toContain('| Full apply | 120 ms |');
  });

  it('rows then an error: the new rows are kept and the section says what failed', () => {
    const partial = runOnce(firstGood.section, GOOD_2, outcome([row('Full apply', 140, true)], 'nft died'));
    expect(partial.status).toEqual({ kind: 'failed', reason: 'nft died', partial: true });
    expect(partial.section).toContain('**This suite failed partway:** `nft died`');
    expect(partial.section).toContain('| Full apply | 140 ms |');
    expect(partial.section).not.toContain('| Change |');
  });

  it('a failure with nothing to keep is the section, and so is a suite that returned no rows', () => {
    const none = runOnce(undefined, FAIL_1, outcome([], NEEDS_TOOLS));
    expect(none.status).toEqual({ kind: 'failed', reason: NEEDS_TOOLS, partial: false });
    expect(none.section).toContain(`**This suite failed:** \`${NEEDS_TOOLS}\``);
    const empty = runOnce(none.section, FAIL_2, outcome([]));
    expect(empty.status).toEqual({ kind: 'failed', reason: 'the suite produced no results', partial: false });
    expect(empty.section).toContain('it produced no results');
  });

  it('flattens a multi-line reason into one line of code', () => {
    const stale = runOnce(firstGood.section, FAIL_1, outcome([], 'a `b` | c\n    at x'));
    expect(stale.section).toContain("because: `a 'b' \\| c at x`;");
  });
});

describe('the whole report and the run summary', () => {
  it('keeps a stale section in the file beside a refreshed one', () => {
    const tokensGood = settleSection(
      { ...outcome([row('Sign', 1)]), suite: other },
      renderSection({ ...outcome([row('Sign', 1)]), suite: other }, machineAt(GOOD_1), false),
      undefined,
      GOOD_1,
    );
    const before = renderReport({
      suites: [suite, other],
      fresh: new Map([
        ['agent', firstGood.section],
        ['tokens', tokensGood.section],
      ]),
      kept: new Map(),
      machine: machineAt(GOOD_1),
    });
    const agent = runOnce(parseSections(before).get('agent'), FAIL_1, outcome([], NEEDS_TOOLS));
    const after = renderReport({
      suites: [suite, other],
      fresh: new Map([['agent', agent.section]]),
      kept: parseSections(before),
      machine: machineAt(FAIL_1),
    });
    expect(parseSections(after).get('tokens')).toBe(tokensGood.section);
    expect(parseSections(after).get('agent')).toContain('| Full apply | 192 ms |');
    expect(parseSections(after).get('agent')).toContain('**Stale:**');

    const summary = renderSummary([agent, tokensGood]);
    expect(summary).toMatch(
      new RegExp(`agent +STALE, kept figures of ${GOOD_1}: ${NEEDS_TOOLS} +1 met, 1 missed`),
    );
    expect(summary).toMatch(/tokens +refreshed +—/);
    expect(summary).toContain('2 suite(s): 1 refreshed, 1 stale, 0 failed');
    expect(exitCodeFor([agent, tokensGood])).toBe(1);
    expect(exitCodeFor([tokensGood])).toBe(0);
  });

  it('exits non-zero for a failed suite, and zero for a missed goal alone', () => {
    const partial = runOnce(undefined, GOOD_2, outcome([row('Full apply', 140)], 'nft died'));
    expect(exitCodeFor([partial])).toBe(1);
    expect(renderSummary([partial])).toContain('FAILED partway, new rows kept: nft died');
    expect(firstGood.goals.missed).toBe(1);
    expect(exitCodeFor([firstGood])).toBe(0);
  });
});
