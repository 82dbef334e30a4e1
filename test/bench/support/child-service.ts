import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface ChildService {
  url: string;
  pid: number;
  /** The last lines the child wrote (stdout and stderr), for error messages. */
  tail(): string;
  stop(): Promise<void>;
}

export { freePort } from '../../support/free-port.js';

/**
 * Runs an entry point in its own Node process and waits until `GET /healthz` answers. A
 * compiled `.js` entry runs as production does (`node dist/main.js`); a `.ts` one runs as
 * `npm start` does (`node --conditions=source --import tsx <script>`).
 */
export async function spawnService(options: {
  script: string;
  port: number;
  env: Record<string, string>;
  startTimeoutMs?: number;
}): Promise<ChildService> {
  const loader = options.script.endsWith('.ts') ? ['--conditions=source', '--import', 'tsx'] : [];
  const child = spawnNode({ args: [...loader, options.script], env: options.env, stopGraceMs: 10_000 });
  const url = `http://127.0.0.1:${options.port}`;
  try {
    await waitHealthy(child, `${url}/healthz`, options.startTimeoutMs ?? 60_000);
  } catch (error) {
    await child.stop();
    throw new Error(`${options.script}: ${(error as Error).message}`);
  }
  return { url, pid: child.pid, tail: child.tail, stop: child.stop };
}

/** File descriptors asked for per child: 20,000 sockets plus Redis and slack, on either end. */
export const CHILD_NOFILE = 65_536;

let effectiveNofile: number | undefined;

/**
 * The open-files limit children actually get: CHILD_NOFILE when the shell may raise it (root
 * with CAP_SYS_RESOURCE), otherwise the inherited hard limit. A server holding N connections
 * needs N descriptors plus a few, so this caps how many connections one server can be given.
 */
export function childNofile(): number {
  effectiveNofile ??= Number(
    execFileSync('bash', ['-c', `ulimit -n ${CHILD_NOFILE} 2>/dev/null; ulimit -n`], {
      encoding: 'utf8',
    }).trim(),
  );
  return effectiveNofile;
}

/** Every child started here, so a failed suite can still stop them all. */
const running = new Set<ChildProcess>();

export interface Child {
  process: ChildProcess;
  pid: number;
  tail(): string;
  stop(): Promise<void>;
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Runs `node <args>` in its own process with a raised open-files limit. The machine's default
 * (`ulimit -n` 20,000 here) is below what 20,000 connections need, and only a shell can raise
 * it for a child; `exec` keeps the pid, so /proc/<pid> is the Node process itself.
 */
export function spawnNode(options: {
  args: string[];
  env?: Record<string, string>;
  ipc?: boolean;
  /** How long SIGTERM gets before SIGKILL (default 5 s). */
  stopGraceMs?: number;
}): Child {
  // Raising fails quietly where it is not allowed; childNofile() says what children really get.
  const raise = `ulimit -n ${CHILD_NOFILE} 2>/dev/null; `;
  // BENCH_CPU_PROF_DIR=<dir> makes every child write a V8 CPU profile there on exit (for finding
  // where a server spends its time; open the .cpuprofile in Chrome DevTools or speedscope).
  const profile = process.env.BENCH_CPU_PROF_DIR
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF_DIR}`]
    : [];
  const args = [...profile, ...options.args];
  const child = spawn('bash', ['-c', `${raise}exec "$0" "$@"`, process.execPath, ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env },
    stdio: options.ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (lines.length > 40) lines.splice(0, lines.length - 40);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return {
    process: child,
    pid: child.pid ?? -1,
    tail: () => lines.join('\n'),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), options.stopGraceMs ?? 5_000);
      await exited(child);
      clearTimeout(timer);
    },
  };
}

/** SIGKILLs every child still running (the suite's `finally`, after the orderly stops). */
export async function killAllChildren(): Promise<void> {
  const left = [...running];
  for (const child of left) child.kill('SIGKILL');
  await Promise.all(left.map(exited));
}

/** Polls `url` until it answers 2xx; fails with the child's last lines when it exits or times out. */
export async function waitHealthy(child: Child, url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.process.exitCode !== null)
      throw new Error(`child exited with ${child.process.exitCode}:\n${child.tail()}`);
    const ok = await fetch(url).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} did not answer in time:\n${child.tail()}`);
}

