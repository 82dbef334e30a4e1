/**
 * `npm run bench [-- --only <suite>[,<suite>…]] [-- --quick] [-- --out <file>]`
 *
 * Runs every suite registered in test/bench/suites/*.ts (each exports `suite: BenchSuite`),
 * prints progress to stderr, and writes docs/benchmarks.md from the results.
 *
 * How the report is written:
 * - a full run (no `--only`) regenerates the whole file;
 * - `--only` re-measures the named suites and merges by section: each suite's section sits
 *   between `<!-- bench:section <name> -->` markers, the ones not run are kept as they were,
 *   and every section carries its own date and machine line, so mixing runs stays honest;
 * - `--quick` (small counts, for a smoke run of the harness) prints the report to stdout and
 *   leaves docs/benchmarks.md alone, so a smoke run never overwrites real figures; give
 *   `--out <file>` to write it somewhere anyway;
 * - a suite that produces no figures keeps its section's last good ones, marked stale with the
 *   date and reason (test/bench/harness/section-merge.ts); one that fails partway keeps its new rows.
 * The run ends with a summary of every suite on stderr; the exit code is 1 when a suite was stale
 * or failed (a missed goal alone is not a failure: its row says ❌), 2 for an unknown suite.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { loadSuites } from './registry.js';
import { exitCodeFor, renderSummary } from './harness/run-summary.js';
import { type SettledSection, settleSection } from './harness/section-merge.js';
import { parseSections, renderReport, renderSection, type SuiteOutcome } from './report.js';
import { type MachineInfo, machineInfo } from './support/machine.js';
import { releaseTemplateDatabase } from './support/services.js';
import type { BenchContext, BenchResult, BenchSuite } from './types.js';

const DEFAULT_OUT = new URL('../../docs/benchmarks.md', import.meta.url);

function stamp(): string {
  return new Date().toISOString().slice(11, 19);
}

function contextFor(suite: BenchSuite, quick: boolean): BenchContext {
  return {
    quick,
    progress: (message) => process.stderr.write(`[${stamp()}] ${suite.name}: ${message}\n`),
    scale: (full, small) => (quick ? small : full),
  };
}

/** Fills in ratios the suite left out, so every row with a baseline shows one. */
function withRatios(results: BenchResult[]): BenchResult[] {
  return results.map((result) =>
    // A baseline at or below zero (a growth lost in the noise) has no meaningful ratio.
    result.ratio === undefined && result.baseline && result.baseline.value > 0
      ? { ...result, ratio: result.value / result.baseline.value }
      : result,
  );
}

async function runSuite(suite: BenchSuite, quick: boolean): Promise<SuiteOutcome> {
  const ctx = contextFor(suite, quick);
  const started = Date.now();
  const loadAverage = os.loadavg()[0] ?? 0;
  ctx.progress(`starting (1-min load average ${loadAverage.toFixed(2)})`);
  try {
    const results = withRatios(await suite.run(ctx));
    const seconds = (Date.now() - started) / 1000;
    ctx.progress(`done in ${seconds.toFixed(0)} s`);
    return { suite, results, seconds, loadAverage };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    ctx.progress(`FAILED: ${error instanceof Error ? (error.stack ?? message) : message}`);
    return { suite, results: [], error: message, seconds: (Date.now() - started) / 1000, loadAverage };
  }
}

interface RunOptions {
  quick: boolean;
  wanted: string[];
  out: string | URL | undefined;
}

function parseOptions(): RunOptions {
  const { values } = parseArgs({
    options: {
      only: { type: 'string', multiple: true },
      quick: { type: 'boolean', default: false },
      out: { type: 'string' },
    },
  });
  const quick = values.quick ?? false;
  const wanted = (values.only ?? []).flatMap((value) => value.split(',')).filter(Boolean);
  return { quick, wanted, out: values.out ?? (quick ? undefined : DEFAULT_OUT) };
}

async function runSelected(selected: BenchSuite[], quick: boolean): Promise<SuiteOutcome[]> {
  const outcomes: SuiteOutcome[] = [];
  try {
    for (const suite of selected) outcomes.push(await runSuite(suite, quick));
  } finally {
    await releaseTemplateDatabase().catch((error: unknown) =>
      process.stderr.write(`could not drop the template: ${error}\n`),
    );
  }
  return outcomes;
}

/**
 * Writes the report and returns how each section was settled. The existing report is read even
 * on a full run: a suite that cannot run keeps its last good figures from it, marked stale.
 */
function writeReport(
  options: RunOptions,
  all: BenchSuite[],
  outcomes: SuiteOutcome[],
  machine: MachineInfo,
): SettledSection[] {
  const { out, quick } = options;
  const existing = out && fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : '';
  const kept = parseSections(existing);
  const settled = outcomes.map((outcome) =>
    settleSection(
      outcome,
      renderSection(outcome, machine, quick),
      kept.get(outcome.suite.name),
      machine.date,
    ),
  );
  const report = renderReport({
    suites: all,
    fresh: new Map(settled.map((entry) => [entry.name, entry.section])),
    kept,
    machine,
  });
  if (out) {
    fs.writeFileSync(out, report);
    process.stderr.write(`[${stamp()}] wrote ${out instanceof URL ? out.pathname : out}\n`);
  } else {
    process.stdout.write(report);
  }
  return settled;
}

async function main(): Promise<number> {
  const options = parseOptions();
  const all = await loadSuites();
  const unknown = options.wanted.filter((name) => !all.some((suite) => suite.name === name));
  if (unknown.length > 0) {
    process.stderr.write(
      `unknown suite(s): ${unknown.join(', ')}; known: ${all.map((suite) => suite.name).join(', ')}\n`,
    );
    return 2;
  }
  const selected =
    options.wanted.length > 0 ? all.filter((suite) => options.wanted.includes(suite.name)) : all;

  // Servers run from their compiled build, as in production: build first.
  process.stderr.write('[bench] npm run build\n');
  execFileSync('npm', ['run', '--silent', 'build'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const machine = machineInfo();
  const outcomes = await runSelected(selected, options.quick);
  const settled = writeReport(options, all, outcomes, machine);
  // Last on stderr, after every progress line, so a stale or failed suite is the last thing read.
  process.stderr.write(renderSummary(settled));
  return exitCodeFor(settled);
}

// Exit explicitly: a suite that leaked a socket or timer must not keep the run alive.
main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
