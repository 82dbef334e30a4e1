import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

/** Resident memory of a process, from /proc/<pid>/status (Linux only). */
export interface MemoryReading {
  rssKiB: number;
  /** VmHWM: the peak resident set since the process started, kept by the kernel. */
  hwmKiB: number;
}

export function readMemory(pid: number): MemoryReading {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) =>
    Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rssKiB: field('VmRSS'), hwmKiB: field('VmHWM') };
}

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return ticksPerSecond;
}

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat. */
export function processCpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name may contain spaces; the numeric fields start after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / clockTicks();
}

/** Busy and total CPU seconds of the whole machine (all cores), from /proc/stat. */
export function machineCpuSeconds(): { busy: number; total: number } {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  const total = values.reduce((a, b) => a + b, 0);
  // idle + iowait are the not-busy columns.
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  return { busy: (total - idle) / clockTicks(), total: total / clockTicks() };
}

/**
 * Where the CPU went during a window: this process, one other, and the rest of the machine
 * (Postgres, Redis, the kernel). Shows which side is the bottleneck on a shared 2-core box.
 */
export class CpuWindow {
  private readonly start: {
    self: number;
    other: number;
    machine: { busy: number; total: number };
    wall: number;
  };

  constructor(private readonly otherPid: number | undefined) {
    this.start = this.read();
  }

  private read() {
    const self = process.cpuUsage();
    return {
      self: (self.user + self.system) / 1e6,
      other: this.otherPid === undefined ? 0 : processCpuSeconds(this.otherPid),
      machine: machineCpuSeconds(),
      wall: Date.now() / 1000,
    };
  }

  /** Cores used on average over the window by each party. */
  finish(): { client: number; server: number; rest: number; idle: number } {
    const end = this.read();
    const wall = end.wall - this.start.wall;
    const client = (end.self - this.start.self) / wall;
    const server = (end.other - this.start.other) / wall;
    const busy = (end.machine.busy - this.start.machine.busy) / wall;
    const total = (end.machine.total - this.start.machine.total) / wall;
    return { client, server, rest: Math.max(0, busy - client - server), idle: Math.max(0, total - busy) };
  }
}

export function describeCpu(
  cpu: { client: number; server: number; rest: number; idle: number },
  serverLabel: string,
): string {
  const f = (value: number) => value.toFixed(2);
  return `CPU in cores: load generator ${f(cpu.client)}, ${serverLabel} ${f(cpu.server)}, everything else (Postgres, Redis, kernel, other tenants) ${f(cpu.rest)}, idle ${f(cpu.idle)}`;
}
