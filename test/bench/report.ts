import { describeMachine, type MachineInfo } from './support/machine.js';
import type { BenchResult, BenchSuite } from './types.js';

/** What one suite produced in this run: rows, or the error that stopped it. */
export interface SuiteOutcome {
  suite: BenchSuite;
  results: BenchResult[];
  error?: string;
  seconds: number;
  /** 1-minute load average when the suite started: a busy shared machine shows here. */
  loadAverage: number;
}

const HOW_TAKEN = [
  'Every figure is taken by `npm run bench` (test/bench/run.ts) against the real services the integration',
  'tests use: PostgreSQL at 127.0.0.1:5432 and Redis at 127.0.0.1:6379, on the same machine as the load',
  'generator. Each suite works on a fresh database cloned from a freshly migrated template and a Redis key',
  'prefix of its own, and removes both when done.',
  '',
  'A figure is never compared with a number remembered from elsewhere: its baseline is measured in the same',
  'run, on the same machine, right beside it. "Ratio" is value ÷ baseline. "Goal" quotes the issue that set',
  'it; "Met" says whether this run met it. Latencies are medians (p50) and nearest-rank p99 of every',
  'request in the measured window; throughputs count completed requests over the wall-clock window.',
  '',
  'Each section says when and on what it was measured: `npm run bench -- --only <suite>` refreshes one',
  'section and keeps the others, so sections can come from different runs. The machine may be shared with',
  'other work: each section gives the 1-minute load average at its start (near 0 on an idle machine), and',
  'where it matters the notes say how much CPU went to parties other than the one measured. Re-run a',
  'section whose figures look off before drawing conclusions from it.',
  '',
  'A suite that cannot run (a missing tool, a service down) never costs a section its figures: the section',
  'keeps its last good ones under a **Stale:** line saying when and why it was not refreshed, and its',
  '"Measured …" line still dates the figures. A suite that failed partway shows the rows it measured and what',
  'failed. The run ends with a summary on stderr (refreshed, stale or failed, goals met and missed) and exits',
  'non-zero if any suite was stale or failed; the next good run of the suite replaces the stale section.',
  '',
  'To check a change against the code before it (issue #13: every figure within 5 % of its value before the',
  'refactor, side by side in the same run), `npm run bench:compare -- <revision> [--only <suite>,…]` builds',
  'that revision in a temporary git worktree, runs each suite there and in this tree in alternating order',
  '(`--rounds N` for more rounds) and writes docs/benchmarks-compare.md: before, after and the change of',
  'every figure, with changes beyond ±5 % flagged. Run it on a quiet machine against the last commit before',
  'the change began; for #13 that is `npm run bench:compare -- 81b1505 --rounds 3`.',
].join('\n');

export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  const digits = Number.isInteger(value) || abs >= 100 ? 0 : abs >= 10 ? 1 : 2;
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function row(result: BenchResult): string {
  const baseline = result.baseline
    ? `${formatNumber(result.baseline.value)} ${result.unit} (${result.baseline.label})`
    : '—';
  const ratio = result.ratio !== undefined ? `${result.ratio.toFixed(2)}×` : '—';
  const met = result.met === undefined ? '—' : result.met ? '✅ met' : '❌ missed';
  const columns = [
    result.metric,
    `${formatNumber(result.value)} ${result.unit}`,
    baseline,
    ratio,
    result.goal ?? '—',
    met,
  ];
  return `| ${columns.map(cell).join(' | ')} |`;
}

export function sectionMarkers(name: string): { open: string; close: string } {
  return { open: `<!-- bench:section ${name} -->`, close: `<!-- /bench:section ${name} -->` };
}

export function renderSection(outcome: SuiteOutcome, machine: MachineInfo, quick: boolean): string {
  const { suite, results } = outcome;
  const { open, close } = sectionMarkers(suite.name);
  const lines = [open, `## ${suite.title}`, ''];
  const mode = quick ? '**quick smoke run: counts too small to be a measurement**' : 'full run';
  lines.push(
    `_Measured ${machine.date} on ${describeMachine(machine)}; ${mode}; took ${Math.round(outcome.seconds)} s; ` +
      `1-min load average at start ${outcome.loadAverage.toFixed(2)}._`,
  );
  lines.push('', suite.description, '');
  if (outcome.error && results.length > 0)
    lines.push(
      `**This suite failed partway:** \`${cell(outcome.error)}\`; the rows below are what it measured before that.`,
      '',
    );
  else if (outcome.error) lines.push(`**This suite failed:** \`${cell(outcome.error)}\``, '');
  else if (results.length === 0) lines.push('**This suite failed:** it produced no results.', '');
  if (results.length > 0) {
    lines.push('| Metric | Value | Baseline (same run) | Ratio | Goal | Met |', '|---|---|---|---|---|---|');
    lines.push(...results.map(row), '');
    const noted = results.filter((result) => result.notes);
    if (noted.length > 0) {
      lines.push('Notes:', '');
      lines.push(...noted.map((result) => `- **${result.metric}**: ${result.notes}`), '');
    }
  }
  lines.push(close);
  return lines.join('\n');
}

/** Pulls every generated section out of an existing report, keyed by suite name. */
export function parseSections(markdown: string): Map<string, string> {
  const sections = new Map<string, string>();
  const pattern = /<!-- bench:section (\S+) -->[\s\S]*?<!-- \/bench:section \1 -->/g;
  for (const match of markdown.matchAll(pattern)) sections.set(match[1]!, match[0]);
  return sections;
}

/**
 * The whole report. Sections follow the registry order; `kept` supplies sections of suites
 * not run this time (from the existing file), and sections of suites that no longer exist drop out.
 */
export function renderReport(options: {
  suites: BenchSuite[];
  fresh: Map<string, string>;
  kept: Map<string, string>;
  machine: MachineInfo;
}): string {
  const { suites, fresh, kept, machine } = options;
  const sections = suites
    .map((suite) => fresh.get(suite.name) ?? kept.get(suite.name))
    .filter((section): section is string => section !== undefined);
  const ran = suites.filter((suite) => fresh.has(suite.name)).map((suite) => `\`${suite.name}\``);
  return [
    '# Benchmarks',
    '',
    '<!-- Generated by `npm run bench` (test/bench/run.ts). Edit the suites, not this file. -->',
    '',
    HOW_TAKEN,
    '',
    `Last run: ${machine.date} on ${describeMachine(machine)}; suites run: ${ran.join(', ') || 'none'}.`,
    '',
    ...sections.flatMap((section) => [section, '']),
  ].join('\n');
}
