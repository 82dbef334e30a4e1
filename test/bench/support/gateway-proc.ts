import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

let ticksPerSecond: number | undefined;

function ticks(): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return ticksPerSecond;
}

/**
 * User and system CPU seconds of a process (/proc/<pid>/stat utime, stime). The split tells
 * JavaScript and uWS's own work (user) from the kernel's socket writes (system).
 */
export function cpuSplit(pid: number): { user: number; system: number } {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name may contain spaces; the numeric fields start after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(fields[11]) / ticks(), system: Number(fields[12]) / ticks() };
}

/**
 * CPU seconds of the whole machine so far: busy (all but idle and iowait), and softirq alone —
 * loopback TCP is processed there and charged to no process, so it shows apart.
 */
export function machineCpu(): { busy: number; softirq: number } {
  const values = fs
    .readFileSync('/proc/stat', 'utf8')
    .split('\n')[0]!
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const total = values.reduce((a, b) => a + b, 0);
  return {
    busy: (total - (values[3] ?? 0) - (values[4] ?? 0)) / ticks(),
    softirq: (values[6] ?? 0) / ticks(),
  };
}
