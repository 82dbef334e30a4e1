import type { Knex } from 'knex';
import { processCpuSeconds, readMemory } from './procfs.js';

/** Peak CPU (cores, over SAMPLE_MS windows) and peak RSS of one process while sampled. */
export interface ProcessPeak {
  label: string;
  peakCores: number;
  cpuSeconds: number;
  peakRssMiB: number;
}

const SAMPLE_MS = 250;

interface Tracked {
  label: string;
  pid: () => number | undefined;
  last?: { pid: number; cpu: number; at: number };
  peakCores: number;
  cpuSeconds: number;
  peakRssKiB: number;
}

/**
 * Reads /proc for a few processes every 250 ms. A pid is asked for at each sample, so the
 * gateway restarted under a new pid is followed (its CPU counted from its first sample).
 */
export class PeakSampler {
  private readonly tracked: Tracked[];
  private readonly timer: NodeJS.Timeout;

  constructor(processes: Array<{ label: string; pid: () => number | undefined }>) {
    this.tracked = processes.map((entry) => ({ ...entry, peakCores: 0, cpuSeconds: 0, peakRssKiB: 0 }));
    this.timer = setInterval(() => this.sample(), SAMPLE_MS);
    this.sample();
  }

  private sample(): void {
    const at = performance.now();
    for (const entry of this.tracked) {
      const pid = entry.pid();
      if (pid === undefined) continue;
      try {
        const cpu = processCpuSeconds(pid);
        // A killed process not yet reaped has no VmRSS (NaN): its earlier samples stand.
        const rss = readMemory(pid).rssKiB;
        if (Number.isFinite(rss)) entry.peakRssKiB = Math.max(entry.peakRssKiB, rss);
        if (entry.last?.pid === pid) {
          entry.cpuSeconds += cpu - entry.last.cpu;
          entry.peakCores = Math.max(entry.peakCores, (cpu - entry.last.cpu) / ((at - entry.last.at) / 1000));
        }
        entry.last = { pid, cpu, at };
      } catch {
        // The process is gone (the killed gateway): its earlier samples stand.
        entry.last = undefined;
      }
    }
  }

  stop(): ProcessPeak[] {
    clearInterval(this.timer);
    this.sample();
    return this.tracked.map((entry) => ({
      label: entry.label,
      peakCores: entry.peakCores,
      cpuSeconds: entry.cpuSeconds,
      peakRssMiB: entry.peakRssKiB / 1024,
    }));
  }
}

/** The auth-api's `wirefleet_http_requests_total`, summed per `METHOD route status`. */
export async function authApiRequests(url: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const counts = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('wirefleet_http_requests_total{')) continue;
    const labels = Object.fromEntries(
      [...line.matchAll(/(\w+)="([^"]*)"/g)].map((match) => [match[1]!, match[2]!]),
    );
    const key = `${labels.method} ${labels.route} ${labels.status}`;
    counts.set(key, (counts.get(key) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return counts;
}

/** What changed between two readings of authApiRequests (the /metrics scrape itself left out). */
export function requestDelta(before: Map<string, number>, after: Map<string, number>): Map<string, number> {
  const delta = new Map<string, number>();
  for (const [key, value] of after) {
    const grown = value - (before.get(key) ?? 0);
    if (grown > 0 && !key.includes('/metrics')) delta.set(key, grown);
  }
  return delta;
}

/** Transactions committed and rolled back in the auth-api's database, from pg_stat_database. */
export async function pgTransactions(db: Knex): Promise<{ commits: number; rollbacks: number }> {
  // The statistics collector publishes at most every PGSTAT_MIN_INTERVAL; take a fresh snapshot.
  await db.raw('SELECT pg_stat_clear_snapshot()');
  const { rows } = await db.raw<{ rows: Array<{ xact_commit: string; xact_rollback: string }> }>(
    'SELECT xact_commit, xact_rollback FROM pg_stat_database WHERE datname = current_database()',
  );
  return { commits: Number(rows[0]?.xact_commit ?? 0), rollbacks: Number(rows[0]?.xact_rollback ?? 0) };
}
