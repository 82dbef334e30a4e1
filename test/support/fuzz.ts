import { randomInt } from 'node:crypto';
import path from 'node:path';
import fc from 'fast-check';
import { expect } from 'vitest';
import { IN_CI } from './services.js';

/**
 * How the hostile-input suites (test/fuzz/) run fast-check: a fixed seed in CI, so a red build
 * replays exactly, and a fresh one per run elsewhere, so local runs keep exploring. A failure
 * names the seed, the counterexample's path and the command that replays just that test.
 */

/** The seed of every CI run. */
export const CI_FUZZ_SEED = 20_261_205;

/** The floor: at least this many cases per target (issue #10, item 8). */
export const MIN_FUZZ_RUNS = 10_000;

function envInteger(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isSafeInteger(value)) throw new Error(`${name} must be an integer, got ${JSON.stringify(raw)}`);
  return value;
}

export const FUZZ_SEED: number = envInteger('FUZZ_SEED') ?? (IN_CI ? CI_FUZZ_SEED : randomInt(2 ** 31));

/** Cases per target; `FUZZ_RUNS` raises it for a deeper local run (CI never goes below the floor). */
export const FUZZ_RUNS: number = (() => {
  const runs = envInteger('FUZZ_RUNS') ?? MIN_FUZZ_RUNS;
  if (IN_CI && runs < MIN_FUZZ_RUNS)
    throw new Error(`FUZZ_RUNS=${runs} is below ${MIN_FUZZ_RUNS}, the floor in CI`);
  return runs;
})();

/** Per-test timeout of a fuzz target: a hang detector, far above a run's duration on an idle machine. */
export const FUZZ_TIMEOUT_MS = 240_000;

/**
 * Runs a property `runs` times and returns how many cases ran. A failure throws fast-check's
 * report (the counterexample, shrunk), the assertion that failed, and the line that replays it.
 */
export async function fuzz<Ts>(
  name: string,
  property: fc.IProperty<Ts> | fc.IAsyncProperty<Ts>,
  runs: number = FUZZ_RUNS,
): Promise<number> {
  const replayPath = process.env.FUZZ_PATH;
  const details = await fc.check(property as fc.IAsyncProperty<Ts>, {
    seed: FUZZ_SEED,
    numRuns: runs,
    ...(replayPath ? { path: replayPath } : {}),
  });
  if (details.failed) {
    const replay = `FUZZ_SEED=${details.seed}${details.counterexamplePath ? ` FUZZ_PATH=${details.counterexamplePath}` : ''}`;
    const cause =
      details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
    throw new Error(
      `${name}: ${fc.defaultReportMessage(details)}\n\nFailure: ${cause}\n\nReplay with: ${replay} ${rerunCommand()}`,
    );
  }
  return details.numRuns;
}

/** The command that runs only the current test: its file, and its full name as an anchored pattern. */
function rerunCommand(): string {
  const { testPath, currentTestName } = expect.getState();
  const file = testPath ? path.relative(process.cwd(), testPath) : 'test/fuzz';
  // vitest matches -t against the describe and test names joined by spaces.
  const title = (currentTestName ?? '').split(' > ').join(' ');
  return `npx vitest run --project integration ${file} -t '^${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$'`;
}
