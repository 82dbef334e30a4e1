import pg from 'pg';
import { TEST_DATABASE_URL } from '../../support/services.js';
import { processCpuSeconds } from './procfs.js';

export interface PgActivity {
  samples: number;
  connections: number;
  meanActive: number;
  /** Share of samples in which no connection of the database was running a statement. */
  allIdleShare: number;
  /** What active connections were waiting on, most frequent first (e.g. `LWLock:WALWrite`). */
  waits: Array<[string, number]>;
  /** Cores used on average by the database's backend processes over the window. */
  backendCores: number;
}

/** First and latest CPU reading of each backend seen, so backends that come and go still count. */
function trackCpu(readings: Map<number, { first: number; last: number }>, pid: number): void {
  try {
    const now = processCpuSeconds(pid);
    const known = readings.get(pid);
    if (known) known.last = now;
    else readings.set(pid, { first: now, last: now });
  } catch {
    // The backend exited between the query and the read; its last reading stands.
  }
}

/**
 * Samples pg_stat_activity of one database while a window runs. Tells a database-bound server
 * (every pooled connection busy, waiting on locks or WAL) from one whose own process is the
 * limit (connections mostly idle, waiting for the next query).
 */
export async function samplePgActivity<T>(
  database: string,
  during: Promise<T>,
): Promise<{ result: T; activity: PgActivity }> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  let done = false;
  const settled = during.finally(() => {
    done = true;
  });
  let samples = 0;
  let activeTotal = 0;
  let allIdle = 0;
  let connections = 0;
  const waits = new Map<string, number>();
  const cpu = new Map<number, { first: number; last: number }>();
  const started = Date.now();
  try {
    while (!done) {
      const { rows } = await client.query<{ pid: number; state: string | null; wait: string | null }>(
        `SELECT pid, state, wait_event_type || ':' || wait_event AS wait FROM pg_stat_activity
          WHERE datname = $1 AND backend_type = 'client backend'`,
        [database],
      );
      samples += 1;
      for (const row of rows) trackCpu(cpu, row.pid);
      connections = Math.max(connections, rows.length);
      const active = rows.filter((row) => row.state === 'active');
      activeTotal += active.length;
      if (active.length === 0) allIdle += 1;
      for (const row of active) waits.set(row.wait ?? 'on CPU', (waits.get(row.wait ?? 'on CPU') ?? 0) + 1);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    await client.end();
  }
  const seconds = (Date.now() - started) / 1000;
  const backendSeconds = [...cpu.values()].reduce((sum, { first, last }) => sum + (last - first), 0);
  return {
    result: await settled,
    activity: {
      samples,
      connections,
      meanActive: samples > 0 ? activeTotal / samples : 0,
      allIdleShare: samples > 0 ? allIdle / samples : 0,
      waits: [...waits.entries()].sort((a, b) => b[1] - a[1]),
      backendCores: seconds > 0 ? backendSeconds / seconds : 0,
    },
  };
}

export function describePgActivity(activity: PgActivity): string {
  const total = activity.waits.reduce((sum, [, count]) => sum + count, 0) || 1;
  const waits = activity.waits
    .slice(0, 3)
    .map(([wait, count]) => `${wait} ${Math.round((100 * count) / total)}%`)
    .join(', ');
  return (
    `Postgres (pg_stat_activity every 20 ms, ${activity.samples} samples): its backends for this database used ` +
    `${activity.backendCores.toFixed(2)} cores; on average ${activity.meanActive.toFixed(1)} ` +
    `of the server's ${activity.connections} connections running a statement, none in ` +
    `${Math.round(100 * activity.allIdleShare)}% of samples; active ones waiting on ${waits || 'nothing'}`
  );
}
