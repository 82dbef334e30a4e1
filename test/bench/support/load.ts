import { median, percentile } from './stats.js';

export interface LoadResult {
  /** Requests answered inside the window, by HTTP status. */
  byStatus: Map<number, number>;
  completed: number;
  seconds: number;
  perSecond: number;
  /** 2xx replies per second: the throughput that counts. */
  okPerSecond: number;
  /** Latencies (ms) of the 2xx replies. */
  p50: number;
  p99: number;
  /** The first few failures, for the report when something went wrong. */
  errors: string[];
}

export interface ClosedLoopOptions {
  concurrency: number;
  durationMs: number;
  /** One request by worker `index`; returns its status and latency. A throw ends that worker. */
  step(index: number): Promise<{ status: number; ms: number }>;
  progress?(message: string): void;
}

/**
 * A closed loop: `concurrency` workers, each sending its next request as soon as the previous
 * one is answered, until the window closes. Throughput is then what the server sustains at
 * that many requests in flight, not what a fixed arrival rate would ask of it.
 */
export async function closedLoop(options: ClosedLoopOptions): Promise<LoadResult> {
  const byStatus = new Map<number, number>();
  const latencies: number[] = [];
  const errors: string[] = [];
  const started = Date.now();
  const deadline = started + options.durationMs;
  const ticker = setInterval(() => {
    const seconds = (Date.now() - started) / 1000;
    const done = [...byStatus.values()].reduce((a, b) => a + b, 0);
    options.progress?.(`  ${seconds.toFixed(0)} s: ${done} requests (${(done / seconds).toFixed(0)}/s)`);
  }, 2_000);
  const worker = async (index: number) => {
    while (Date.now() < deadline) {
      try {
        const { status, ms } = await options.step(index);
        byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
        if (status >= 200 && status < 300) latencies.push(ms);
      } catch (error) {
        if (errors.length < 5) errors.push(error instanceof Error ? error.message : String(error));
        return;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: options.concurrency }, (_, index) => worker(index)));
  } finally {
    clearInterval(ticker);
  }
  const seconds = (Date.now() - started) / 1000;
  const completed = [...byStatus.values()].reduce((a, b) => a + b, 0);
  return {
    byStatus,
    completed,
    seconds,
    perSecond: completed / seconds,
    okPerSecond: latencies.length / seconds,
    p50: median(latencies),
    p99: percentile(latencies, 99),
    errors,
  };
}

export function describeStatuses(byStatus: Map<number, number>): string {
  return [...byStatus.entries()]
    .sort(([a], [b]) => a - b)
    .map(([status, count]) => `${count}× ${status}`)
    .join(', ');
}
