import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { findExecutable } from '../../support/executables.js';
import { IN_CI } from '../../support/services.js';

const exec = promisify(execFile);

/**
 * Where promtool is, or why the suite is skipped. In CI a missing promtool fails the suite
 * naming the package (`prometheus` on Debian); elsewhere the suite is skipped.
 */
export function promtoolOrSkip():
  | { promtool: string; skip?: undefined }
  | { promtool?: undefined; skip: string } {
  const promtool = findExecutable('promtool');
  if (promtool) return { promtool };
  const reason = 'promtool is not installed (apt-get install prometheus)';
  if (IN_CI) throw new Error(`cannot check the Prometheus rules: ${reason}`);
  return { skip: reason };
}

/** Runs promtool; resolves with its output whatever the exit code, so a test can show why it failed. */
export async function runPromtool(
  promtool: string,
  args: string[],
  cwd: string,
): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await exec(promtool, args, { cwd, timeout: 60_000 });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof failed.code === 'number' ? failed.code : 1,
      output: `${failed.stdout ?? ''}${failed.stderr ?? ''}`,
    };
  }
}
