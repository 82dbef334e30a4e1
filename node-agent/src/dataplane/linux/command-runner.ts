import { execFile } from 'node:child_process';

export interface RunOptions {
  /** Written to the command's stdin (e.g. an nft script for `nft -f -`). */
  input?: string;
  /** Replaces the environment; default: the agent's own. */
  env?: NodeJS.ProcessEnv;
  /** Default 15 s: a hung `nft` or `ip` must not wedge the agent. */
  timeoutMs?: number;
}

export interface CommandResult {
  stdout: string;
  stderr: string;
}

/**
 * Runs one program with an argument vector — never through a shell. Injectable so unit tests
 * can record commands instead of running them. Rejects with a `CommandError` on a non-zero exit.
 */
export type CommandRunner = (
  file: string,
  args: readonly string[],
  options?: RunOptions,
) => Promise<CommandResult>;

/** A failed command, carrying its stderr so callers and logs see why. */
export class CommandError extends Error {
  override readonly name = 'CommandError';
  constructor(
    readonly file: string,
    readonly args: readonly string[],
    readonly exitCode: number | string | null,
    readonly stderr: string,
  ) {
    super(`${file} ${args.join(' ')} failed (${exitCode ?? 'signal'}): ${stderr.trim() || '(no stderr)'}`);
  }
}

/** Programs the Linux dataplane may run; anything else is a bug, not a configuration. */
const ALLOWED_PROGRAMS = new Set(['ip', 'nft', 'wg', 'wireguard-go', 'sysctl', 'ping']);
/** Argument characters: printable ASCII without quotes/backslashes; scripts go through stdin. */
const SAFE_ARGUMENT = /^[A-Za-z0-9_=+.,:/@%[\]-]*$/;

function checkArguments(args: readonly string[]): void {
  for (const arg of args) {
    if (!SAFE_ARGUMENT.test(arg))
      throw new RangeError(`refusing argument ${JSON.stringify(arg.slice(0, 64))}`);
  }
}

function checkCommand(file: string, args: readonly string[]): void {
  if (!ALLOWED_PROGRAMS.has(file)) throw new RangeError(`refusing to run ${JSON.stringify(file)}`);
  checkArguments(args);
}

/**
 * Runs several `ip` commands in ONE process (`ip [flags] -batch -`, a command per line of
 * stdin): one fork and exec instead of one per command. The lines are argument vectors held to
 * the same rule as any argument (no spaces, quotes or newlines), so none can add a command.
 * `ip` stops at the first command that fails and exits non-zero: the runner rejects as for any
 * failed command. Resolves with `ip`'s output (with `-j`, one JSON document per line).
 */
export async function runIpBatch(
  run: CommandRunner,
  commands: readonly (readonly string[])[],
  flags: readonly string[] = [],
): Promise<CommandResult> {
  for (const command of commands) {
    if (command.length === 0) throw new RangeError('empty ip command');
    checkArguments(command);
  }
  return run('ip', [...flags, '-batch', '-'], { input: `${commands.map((command) => command.join(' ')).join('\n')}\n` });
}

/** The real runner: `execFile` with validated arguments, stdin input and a timeout. */
export const execFileRunner: CommandRunner = (file, args, options = {}) => {
  checkCommand(file, args);
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      [...args],
      { env: options.env ?? process.env, timeout: options.timeoutMs ?? 15_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (!error) {
          resolve({ stdout, stderr });
          return;
        }
        const code = typeof error.code === 'number' || typeof error.code === 'string' ? error.code : null;
        reject(new CommandError(file, args, code, stderr || error.message));
      },
    );
    child.stdin?.on('error', (error) => {
      // The program may exit before reading stdin (e.g. a usage error); its exit status reports
      // that, so a broken pipe here is logged by the exit path, not raised twice.
      void error;
    });
    child.stdin?.end(options.input ?? '');
  });
};

/** Validates a network namespace name before it becomes an argument. */
export function checkNetnsName(name: string): string {
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name))
    throw new RangeError(`invalid netns name ${JSON.stringify(name)}`);
  return name;
}

/**
 * Wraps a runner so every command runs inside the network namespace `netns` (tests,
 * benchmarks): `ip` through its own `-n <netns>` (one process, as outside a namespace), every
 * other program through `ip netns exec <netns>`.
 */
export function netnsRunner(run: CommandRunner, netns: string | undefined): CommandRunner {
  if (netns === undefined) return run;
  const ns = checkNetnsName(netns);
  return (file, args, options) => {
    checkCommand(file, args);
    if (file === 'ip') return run('ip', ['-n', ns, ...args], options);
    return run('ip', ['netns', 'exec', ns, file, ...args], options);
  };
}

/** Whether a failure is "the program is not installed" rather than "the program said no". */
export function isMissingProgram(error: unknown): boolean {
  return error instanceof CommandError && error.exitCode === 'ENOENT';
}
