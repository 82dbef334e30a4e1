import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface ChildService {
  url: string;
  pid: number;
  /** The last lines the child wrote (stdout and stderr), for error messages. */
  tail(): string;
  stop(): Promise<void>;
}

/** A port that was free a moment ago (the child binds it next; a collision fails loudly at start). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', () => resolve()));
}

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
  // BENCH_CPU_PROF_DIR=<dir> makes every child write a V8 CPU profile there on exit (for finding
  // where a server spends its time; open the .cpuprofile in Chrome DevTools or speedscope).
  const profile = process.env.BENCH_CPU_PROF_DIR
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF_DIR}`]
    : [];
  const child = spawn(
    process.execPath,
    [...profile, ...(options.script.endsWith('.ts') ? ['--conditions=source', '--import', 'tsx'] : []), options.script],
    {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    // Only a tail is kept: the child logs for minutes and the lines matter only on failure.
    if (lines.length > 40) lines.splice(0, lines.length - 40);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const url = `http://127.0.0.1:${options.port}`;
  const service: ChildService = {
    url,
    pid: child.pid ?? -1,
    tail: () => lines.join('\n'),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited(child);
      clearTimeout(timer);
    },
  };
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`${options.script} exited with ${child.exitCode}:\n${service.tail()}`);
    const healthy = await fetch(`${url}/healthz`).then(
      (response) => response.ok,
      () => false,
    );
    if (healthy) return service;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await service.stop();
  throw new Error(`${options.script} did not answer /healthz in time:\n${service.tail()}`);
}
