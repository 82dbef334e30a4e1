import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseBenchReport, parseValue, splitRow } from '../../../infra/bench/bench-output.js';
import { changeCell, renderComparison } from '../../../infra/bench/compare-report.js';
import { compareSuite, type SideRuns } from '../../../infra/bench/comparison.js';
import { linkPackages } from '../../../infra/bench/worktree.js';
import { renderReport, renderSection, type SuiteOutcome } from '../report.js';
import type { MachineInfo } from '../support/machine.js';
import type { BenchResult, BenchSuite } from '../types.js';
import { markStale } from './section-merge.js';

const machine: MachineInfo = {
  cores: 2,
  cpuModel: 'Test CPU',
  memoryGiB: 8,
  node: 'v20.0.0',
  platform: 'linux 6.0',
  date: '2026-12-05T10:00:00Z',
};
const suite = (name: string): BenchSuite => ({
  name,
  title: `${name}: a title`,
  description: 'What it measures.',
  run: async () => [],
});
const result = (metric: string, value: number, unit = 'ms'): BenchResult => ({ metric, value, unit });

/** A report as `npm run bench` writes it, one section per entry. */
function report(outcomes: SuiteOutcome[]): string {
  return renderReport({
    suites: outcomes.map((outcome) => outcome.suite),
    fresh: new Map(outcomes.map((outcome) => [outcome.suite.name, renderSection(outcome, machine, false)])),
    kept: new Map(),
    machine,
  });
}
const outcome = (name: string, results: BenchResult[], error?: string): SuiteOutcome => ({
  suite: suite(name),
  results,
  error,
  seconds: 2,
  loadAverage: 0.75,
});

describe('reading a bench report back', () => {
  it('takes number and unit from each Value cell, pipes and thousands separators included', () => {
    expect(parseValue('1,226 ms')).toEqual({ value: 1226, unit: 'ms' });
    expect(parseValue('0.95 ×')).toEqual({ value: 0.95, unit: '×' });
    expect(parseValue('10,000 peers')).toEqual({ value: 10000, unit: 'peers' });
    expect(Number.isNaN(parseValue('NaN ms').value)).toBe(true);
    expect(splitRow('| a \\| b | 3 ms | — |')).toEqual(['a | b', '3 ms', '—']);
  });

  it('finds every section, its rows, its load and its failure', () => {
    const parsed = parseBenchReport(
      report([
        outcome('tokens', [result('Sign | ES256', 1234.5, 'tokens/s'), result('Verify', 12.25)]),
        outcome('agent', [], 'the agent suite needs wg'),
        outcome('fleet', [result('Config', 3)], 'Postgres went away'),
      ]),
    );
    expect([...parsed.keys()]).toEqual(['tokens', 'agent', 'fleet']);
    const tokens = parsed.get('tokens')!;
    expect(tokens.title).toBe('tokens: a title');
    expect(tokens.loadAverage).toBe(0.75);
    expect(tokens.metrics).toEqual([
      { metric: 'Sign | ES256', value: 1235, unit: 'tokens/s', text: '1,235 tokens/s' },
      { metric: 'Verify', value: 12.3, unit: 'ms', text: '12.3 ms' },
    ]);
    expect(parsed.get('agent')).toMatchObject({
      metrics: [],
      failure: 'the agent suite needs wg',
      stale: false,
    });
    expect(parsed.get('fleet')).toMatchObject({ failure: 'Postgres went away' });
    expect(parsed.get('fleet')!.metrics).toHaveLength(1);
  });

  it('knows a stale section from a measured one', () => {
    const section = renderSection(outcome('agent', [result('Apply', 5)]), machine, false);
    const stale = markStale(section, '2026-12-06T00:00:00Z', 'no wg');
    expect(parseBenchReport(stale).get('agent')!.stale).toBe(true);
  });
});

const side = (rounds: BenchResult[][], problems: string[] = []): SideRuns => ({
  rounds: rounds.map((results) => parseBenchReport(report([outcome('tokens', results)])).get('tokens')!),
  problems,
});

describe('the comparison table', () => {
  const compared = compareSuite(
    'tokens',
    side([
      [result('Sign', 100), result('Verify', 10), result('Gone', 1)],
      [result('Sign', 104), result('Verify', 10.4), result('Gone', 1)],
      [result('Sign', 200), result('Verify', 10.2), result('Gone', 1)],
    ]),
    side([[result('Sign', 103), result('Verify', 11), result('New', 7), result('Size', 9, 'KiB')]]),
  );

  it('takes the median of the rounds and the change against before', () => {
    const sign = compared.metrics.find((metric) => metric.metric === 'Sign')!;
    expect(sign.before).toEqual({ median: 104, unit: 'ms', values: [100, 104, 200] });
    expect(sign.after?.median).toBe(103);
    expect(sign.changePercent).toBeCloseTo(-0.96, 2);
    const verify = compared.metrics.find((metric) => metric.metric === 'Verify')!;
    expect(verify.changePercent).toBeCloseTo(7.84, 2);
  });

  it('flags changes beyond ±5 % and names figures measured on one side only', () => {
    const cells = Object.fromEntries(compared.metrics.map((metric) => [metric.metric, changeCell(metric)]));
    expect(cells).toEqual({
      Sign: '-1.0 %',
      Verify: '⚠️ +7.8 %',
      Gone: 'only before',
      New: 'only after',
      Size: 'only after',
    });
  });

  it('renders the header, a table per suite and the verdict', () => {
    const markdown = renderComparison(
      {
        before: { short: 'abc1234', subject: 'the last commit before the refactor' },
        after: { short: 'def5678', dirty: true },
        date: '2026-12-05T10:00:00Z',
        machine: '2 cores (Test CPU)',
        loadAtStart: [0.5, 0.4, 0.3],
        loadAtEnd: [1, 0.9, 0.8],
        rounds: 3,
        quick: false,
        elapsedSeconds: 61,
      },
      [compared],
    );
    expect(markdown).toContain('Before: `abc1234` (the last commit before the refactor).');
    expect(markdown).toContain('After: `def5678` (HEAD with uncommitted changes).');
    expect(markdown).toContain('at the start 0.50 / 0.40 / 0.30, at the end 1.00 / 0.90 / 0.80');
    expect(markdown).toContain('| Metric | before (abc1234) | after (def5678) | change % |');
    expect(markdown).toContain('| Sign | 104 ms | 103 ms | -1.0 % |');
    expect(markdown).toContain('| Verify | 10.2 ms | 11 ms | ⚠️ +7.8 % |');
    expect(markdown).toContain('| Gone | 1 ms | — | only before |');
    expect(markdown).toContain(
      '**1 of 2 figures within ±5 %**; beyond it: _tokens: Verify_; 3 measured on one side only.',
    );
    expect(markdown).toContain('  - **Sign**: before 100, 104, 200; after 103');
  });

  it('says why a side has no figures', () => {
    const failed = compareSuite('agent', side([]), side([], ['the suite failed: needs wg']));
    expect(failed.metrics).toEqual([]);
    const markdown = renderComparison(
      {
        before: { short: 'a', subject: 's' },
        after: { short: 'b', dirty: false },
        date: 'd',
        machine: 'm',
        loadAtStart: [0, 0, 0],
        loadAtEnd: [0, 0, 0],
        rounds: 1,
        quick: true,
        elapsedSeconds: 1,
      },
      [failed],
    );
    expect(markdown).toContain('**No figures on either side.**');
    expect(markdown).toContain('- after: the suite failed: needs wg');
    expect(markdown).toContain('quick smoke run');
  });
});

describe('borrowing installed packages in a worktree', () => {
  const made: string[] = [];
  afterEach(() => {
    for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("links workspaces to the worktree's own folders and every other package to this tree's", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-compare-test-'));
    made.push(root);
    const main = path.join(root, 'main');
    const tree = path.join(root, 'tree');
    fs.mkdirSync(path.join(main, 'node_modules', '@wf'), { recursive: true });
    fs.mkdirSync(path.join(main, 'node_modules', 'pino'));
    fs.mkdirSync(path.join(main, 'node_modules', '.vite'));
    fs.symlinkSync('../../shared', path.join(main, 'node_modules', '@wf', 'shared'));
    for (const dir of [main, tree]) fs.mkdirSync(path.join(dir, 'shared'), { recursive: true });
    linkPackages(path.join(main, 'node_modules'), path.join(tree, 'node_modules'));
    expect(fs.realpathSync(path.join(tree, 'node_modules', '@wf', 'shared'))).toBe(
      fs.realpathSync(path.join(tree, 'shared')),
    );
    expect(fs.realpathSync(path.join(tree, 'node_modules', 'pino'))).toBe(
      fs.realpathSync(path.join(main, 'node_modules', 'pino')),
    );
    expect(fs.existsSync(path.join(tree, 'node_modules', '.vite'))).toBe(false);
  });
});
