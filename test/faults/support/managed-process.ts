import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import { REPO_ROOT, waitHealthy } from '../../bench/support/child-service.js';

/** One exit of a process the suite started; `expected` when the suite stopped or killed it. */
export interface ExitRecord {
  name: string;
  at: number;
  code: number | null;
  signal: string | null;
  expected: boolean;
  /** The process's last output lines (its own account of why it ended). */
  tail: string;
}

export interface ProcessSpec {
  name: string;
  /** Arguments to this Node binary (an entry point and its flags). */
  args: string[];
  env: Record<string, string>;
  /** Every output line is appended here, across restarts. */
  logFile: string;
  /** Polled after each start until it answers 2xx. */
  healthUrl?: string;
  onLine?: (line: string) => void;
}

const everyChild = new Set<ChildProcess>();

function ended(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function exited(child: ChildProcess): Promise<void> {
  return ended(child) ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * A Node child process the fault suite owns: output kept in a log file and handed over line by
 * line, every exit recorded with whether the suite caused it, and restartable with the same
 * command (a supervisor's restart).
 */
export class ManagedProcess {
  private child: ChildProcess | undefined;
  private expecting = false;
  private readonly lines: string[] = [];

  constructor(
    readonly spec: ProcessSpec,
    private readonly onExit: (exit: ExitRecord) => void,
    private readonly onSpawn: (pid: number) => void = () => undefined,
  ) {}

  get name(): string {
    return this.spec.name;
  }

  get running(): boolean {
    return this.child !== undefined && !ended(this.child);
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  tail(): string {
    return this.lines.join('\n');
  }

  async start(healthTimeoutMs = 60_000): Promise<void> {
    if (this.running) throw new Error(`${this.name} is already running`);
    this.expecting = false;
    const child = spawn(process.execPath, this.spec.args, { cwd: REPO_ROOT, env: this.spec.env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    everyChild.add(child);
    if (child.pid) this.onSpawn(child.pid);
    this.capture(child);
    // 'close' comes after the output streams ended, so the record carries the last lines.
    child.once('close', (code, signal) => {
      everyChild.delete(child);
      this.onExit({ name: this.name, at: Date.now(), code, signal, expected: this.expecting, tail: this.tail() });
    });
    if (!this.spec.healthUrl) return;
    const handle = { process: child, pid: child.pid ?? -1, tail: () => this.tail(), stop: () => this.stop() };
    try {
      await waitHealthy(handle, this.spec.healthUrl, healthTimeoutMs);
    } catch (error) {
      await this.kill(); // A start that never became healthy leaves nothing running.
      throw new Error(`${this.name}: ${(error as Error).message}`);
    }
  }

  /** SIGTERM (SIGKILL after `graceMs`), as an operator stops a service. */
  async stop(graceMs = 10_000): Promise<void> {
    const child = this.child;
    if (!child || ended(child)) return;
    this.expecting = true;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited(child);
    clearTimeout(timer);
  }

  /** SIGKILL: the crash a fault injects. Resolves once the process is gone. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || ended(child)) return;
    this.expecting = true;
    child.kill('SIGKILL');
    await exited(child);
  }

  private capture(child: ChildProcess): void {
    const log = fs.createWriteStream(this.spec.logFile, { flags: 'a' });
    log.on('error', () => undefined); // The log is evidence, not a reason to fail the run.
    // One splitter per stream: a line half-written to stdout must not absorb one from stderr.
    const splitter = () => {
      let partial = '';
      return {
        data: (chunk: Buffer) => {
          log.write(chunk);
          const parts = (partial + chunk.toString('utf8')).split('\n');
          partial = parts.pop() ?? '';
          for (const line of parts) this.line(line);
        },
        flush: () => {
          if (partial) this.line(partial);
          partial = '';
        },
      };
    };
    const out = splitter();
    const err = splitter();
    child.stdout?.on('data', out.data);
    child.stderr?.on('data', err.data);
    child.once('close', () => {
      out.flush();
      err.flush();
      log.end();
    });
  }

  private line(line: string): void {
    if (!line) return;
    this.lines.push(line);
    if (this.lines.length > 40) this.lines.splice(0, this.lines.length - 40);
    this.spec.onLine?.(line);
  }
}

/** SIGKILLs every process any ManagedProcess started that still runs (teardown, also after a failure). */
export async function killEveryManagedProcess(): Promise<void> {
  const left = [...everyChild];
  for (const child of left) child.kill('SIGKILL');
  await Promise.all(left.map(exited));
}
