import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import os from 'node:os';
import { REPO_ROOT } from './child-service.js';

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
export function spawnNode(options: { args: string[]; env?: Record<string, string>; ipc?: boolean }): Child {
  // Raising fails quietly where it is not allowed; childNofile() says what children really get.
  const raise = `ulimit -n ${CHILD_NOFILE} 2>/dev/null; `;
  // BENCH_CPU_PROF_DIR=<dir>: every child writes a V8 CPU profile there on exit, as in child-service.ts.
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
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
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

/** Loopback source addresses 127.0.0.2…: each gives the clients its own ~28,000 ephemeral ports. */
export function sourceAddresses(count: number): string[] {
  return Array.from({ length: count }, (_, index) => `127.0.0.${index + 2}`);
}

/** Client worker processes to use: the machine has few cores and the servers need one. */
export function clientWorkerCount(): number {
  return Math.max(2, Math.min(4, os.availableParallelism()));
}
