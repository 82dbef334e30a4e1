/**
 * `npm run bench:compare -- <git-rev> [--only <suite>[,<suite>…]] [--quick] [--rounds N] [--out <file>]`
 *
 * Figures before and after a change, side by side in the same run (issue #13: every figure
 * within 5 % of its value before the refactor). Checks `<git-rev>` out in a temporary git
 * worktree outside the repository, borrowing this tree's node_modules, builds it, then runs
 * `npm run bench -- --only <suite> --out <file>` in that tree and in this one, suite by suite,
 * alternating which tree goes first each round so that load from elsewhere falls on both. Both
 * trees write the report format of test/bench/report.ts; the rows are read back and compared in
 * docs/benchmarks-compare.md (`--quick` prints to stdout instead unless `--out` is given, as
 * `npm run bench -- --quick` does). The worktree is removed at the end, on failure and on Ctrl-C.
 * Without `--only`, every suite this tree registers is compared.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadSuites } from '../../test/bench/registry.js';
import { describeMachine, machineInfo } from '../../test/bench/support/machine.js';
import { parseBenchReport } from './bench-output.js';
import { renderComparison } from './compare-report.js';
import { type ComparedSuite, compareSuite, type SideRuns } from './comparison.js';
import {
  addWorktree,
  describeCommit,
  hasLocalChanges,
  linkNodeModules,
  pruneWorktrees,
  resolveCommit,
  type Worktree,
} from './worktree.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const DEFAULT_OUT = path.join(REPO, 'docs', 'benchmarks-compare.md');

interface CompareOptions {
  rev: string;
  suites: string[];
  quick: boolean;
  rounds: number;
  out: string | undefined;
}

const started = Date.now();
function progress(message: string): void {
  const seconds = Math.round((Date.now() - started) / 1000);
  const elapsed = `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
  process.stderr.write(`[compare +${elapsed}] ${message}\n`);
}

async function parseOptions(): Promise<CompareOptions> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      only: { type: 'string', multiple: true },
      quick: { type: 'boolean', default: false },
      rounds: { type: 'string', default: '1' },
      out: { type: 'string' },
    },
  });
  const [rev, ...extra] = positionals;
  if (rev === undefined || extra.length > 0)
    throw new Error('usage: npm run bench:compare -- <git-rev> [--only <suite>,…] [--quick] [--rounds N]');
  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds must be a whole number ≥ 1`);
  const only = (values.only ?? []).flatMap((value) => value.split(',')).filter(Boolean);
  const suites = only.length > 0 ? only : (await loadSuites()).map((suite) => suite.name);
  const quick = values.quick ?? false;
  return { rev, suites, quick, rounds, out: values.out ?? (quick ? undefined : DEFAULT_OUT) };
}

/** The child running now, so a signal can stop it before the worktree goes. */
let running: ChildProcess | undefined;

/**
 * Runs a child to its end. Its stderr (progress, errors) joins ours; its stdout goes there too,
 * or nowhere when `quiet` (a build's list of files), since our stdout is kept for a `--quick` report.
 */
function run(command: string, args: string[], cwd: string, quiet = false): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', quiet ? 'ignore' : 2, 2] });
    running = child;
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      running = undefined;
      resolve(code ?? (signal ? 128 : 1));
    });
  });
}

interface Tree {
  side: 'before' | 'after';
  label: string;
  dir: string;
}

/** One suite in one tree: its section of the report that run wrote, or why there is none. */
async function benchOnce(tree: Tree, suite: string, file: string, quick: boolean): Promise<SideRuns> {
  const args = ['run', '--silent', 'bench', '--', '--only', suite, '--out', file];
  const code = await run('npm', quick ? [...args, '--quick'] : args, tree.dir);
  const section = fs.existsSync(file)
    ? parseBenchReport(fs.readFileSync(file, 'utf8')).get(suite)
    : undefined;
  const problems: string[] = [];
  if (!section) problems.push(`no section for ${suite} (npm run bench exited ${code})`);
  else if (section.failure) problems.push(`the suite failed: ${section.failure}`);
  else if (code !== 0) problems.push(`npm run bench exited ${code}`);
  return { rounds: section && section.metrics.length > 0 ? [section] : [], problems };
}

function merge(into: SideRuns, more: SideRuns): void {
  into.rounds.push(...more.rounds);
  into.problems.push(...more.problems);
}

async function runRounds(
  options: CompareOptions,
  trees: [Tree, Tree],
  scratch: string,
): Promise<ComparedSuite[]> {
  const sides = new Map(options.suites.map((suite) => [suite, { before: emptySide(), after: emptySide() }]));
  for (let round = 1; round <= options.rounds; round++) {
    // Alternate which tree goes first, so a trend in the machine's load lands on both.
    const order = round % 2 === 1 ? trees : ([trees[1], trees[0]] as const);
    for (const suite of options.suites) {
      for (const tree of order) {
        progress(`round ${round}/${options.rounds} · ${suite} · ${tree.side} (${tree.label})`);
        const suiteStarted = Date.now();
        const file = path.join(scratch, `${tree.side}-${suite}-${round}.md`);
        const result = await benchOnce(tree, suite, file, options.quick);
        merge(sides.get(suite)![tree.side], result);
        const seconds = ((Date.now() - suiteStarted) / 1000).toFixed(0);
        const trouble = result.problems.length > 0 ? `; ${result.problems.join('; ')}` : '';
        progress(`round ${round}/${options.rounds} · ${suite} · ${tree.side} done in ${seconds} s${trouble}`);
      }
    }
  }
  return options.suites.map((suite) => {
    const { before, after } = sides.get(suite)!;
    return compareSuite(suite, before, after);
  });
}

function emptySide(): SideRuns {
  return { rounds: [], problems: [] };
}

/** Removes the worktree however the run ends: normally, by an error, or by a signal. */
function cleanupOnSignals(cleanup: () => void): void {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      progress(`${signal}: stopping and removing the worktree`);
      running?.kill('SIGTERM');
      cleanup();
      process.exit(130);
    });
  }
}

/** Makes the checkout usable: this tree's packages linked in, then its own build. */
async function prepareWorktree(worktree: Worktree, label: string): Promise<void> {
  progress('linking node_modules from this tree');
  linkNodeModules(REPO, worktree.dir);
  progress(`npm run build in the worktree of ${label}`);
  const code = await run('npm', ['run', '--silent', 'build'], worktree.dir, true);
  if (code !== 0) throw new Error(`npm run build failed in the worktree of ${label} (exit ${code})`);
}

async function main(): Promise<number> {
  const options = await parseOptions();
  const commit = resolveCommit(REPO, options.rev);
  const before = describeCommit(REPO, commit);
  const after = { short: describeCommit(REPO, 'HEAD').short, dirty: hasLocalChanges(REPO) };
  const loadAtStart = os.loadavg();
  const date = machineInfo().date;
  progress(
    `comparing ${options.suites.join(', ')}: ${before.short} vs HEAD ${after.short}, ${options.rounds} round(s)`,
  );
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'wirefleet-bench-compare-'));
  let worktree: Worktree | undefined;
  const cleanup = () => {
    worktree?.remove();
    fs.rmSync(scratch, { recursive: true, force: true });
    // Forgets a checkout that `git worktree add` registered but did not finish.
    pruneWorktrees(REPO);
  };
  cleanupOnSignals(cleanup);
  let suites: ComparedSuite[];
  try {
    const dir = path.join(scratch, 'tree');
    progress(`git worktree add ${dir} (${before.short})`);
    worktree = addWorktree(REPO, commit, dir);
    await prepareWorktree(worktree, before.short);
    const trees: [Tree, Tree] = [
      { side: 'before', label: before.short, dir: worktree.dir },
      { side: 'after', label: `HEAD ${after.short}`, dir: REPO },
    ];
    suites = await runRounds(options, trees, scratch);
  } finally {
    progress('removing the worktree');
    cleanup();
  }
  const report = renderComparison(
    {
      before,
      after,
      date,
      machine: describeMachine(machineInfo()),
      loadAtStart,
      loadAtEnd: os.loadavg(),
      rounds: options.rounds,
      quick: options.quick,
      elapsedSeconds: (Date.now() - started) / 1000,
    },
    suites,
  );
  if (options.out) {
    fs.writeFileSync(options.out, report);
    progress(`wrote ${options.out}`);
  } else process.stdout.write(report);
  return suites.some((suite) => suite.metrics.length === 0) ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench:compare: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
