import { setTimeout as sleep } from 'node:timers/promises';

/** One `/readyz` probe: the HTTP status, or 0 when nothing answered (the process is down). */
export interface ReadinessSample {
  t: number;
  status: number;
}

/**
 * Probes every service instance's own `/readyz` (not through a proxy) a few times a second for
 * the whole run, so a phase can ask whether an instance said 503 during an outage and 200 after.
 */
export class ReadinessMonitor {
  private readonly samples = new Map<string, ReadinessSample[]>();
  private stopping = false;
  private loops: Array<Promise<void>> = [];

  constructor(
    private readonly targets: Array<{ name: string; url: string }>,
    private readonly intervalMs = 200,
  ) {
    for (const target of targets) this.samples.set(target.name, []);
  }

  start(maxMs = 15 * 60_000): void {
    const deadline = Date.now() + maxMs;
    this.loops = this.targets.map(async ({ name, url }) => {
      while (!this.stopping && Date.now() < deadline) {
        const status = await fetch(url, { signal: AbortSignal.timeout(2_500) }).then(
          async (response) => {
            await response.arrayBuffer();
            return response.status;
          },
          () => 0,
        );
        this.samples.get(name)!.push({ t: Date.now(), status });
        await sleep(this.intervalMs);
      }
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.loops);
  }

  private between(name: string, from: number, to: number): ReadinessSample[] {
    return (this.samples.get(name) ?? []).filter((sample) => sample.t >= from && sample.t <= to);
  }

  saw(name: string, status: number, from: number, to: number): boolean {
    return this.between(name, from, to).some((sample) => sample.status === status);
  }

  last(name: string): ReadinessSample | undefined {
    return this.samples.get(name)?.at(-1);
  }

  /** Waits until every named instance's latest probe (taken after now) is `status`. */
  async waitFor(names: string[], status: number, timeoutMs: number): Promise<boolean> {
    const since = Date.now();
    const deadline = since + timeoutMs;
    while (Date.now() < deadline) {
      if (names.every((name) => {
        const last = this.last(name);
        return last !== undefined && last.t > since && last.status === status;
      })) return true;
      await sleep(50);
    }
    return false;
  }

  /** The statuses an instance went through in [from, to], as evidence: `200 → 503 (+1.2 s) → 200 (+6.0 s)`. */
  story(name: string, from: number, to: number): string {
    const parts: string[] = [];
    let previous: number | undefined;
    for (const sample of this.between(name, from, to)) {
      if (sample.status === previous) continue;
      parts.push(previous === undefined ? String(sample.status) : `${sample.status} (+${((sample.t - from) / 1000).toFixed(1)} s)`);
      previous = sample.status;
    }
    return parts.join(' → ') || 'no probe';
  }
}
