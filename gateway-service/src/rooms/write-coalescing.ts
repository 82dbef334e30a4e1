/**
 * When room events wait so that each socket gets them in one write, and for how long.
 *
 * Every event handed to uWebSockets.js on its own costs one `write` system call per subscriber;
 * events handed over in one go are merged into one write per socket. At a few hundred
 * thousand deliveries per second the kernel's share dominates (docs/benchmarks.md: ~2.4 µs
 * per delivery at 400,000/s, 90 % of it system time); holding events cuts it to a third at
 * 20 ms and below 0.8 µs from 40 ms. Below that load the writes are cheap and waiting would only
 * add latency, so events wait only while this instance delivers at least `aboveRate` events
 * per second, and the wait grows with the load: a quarter of `delayMs` at `aboveRate`, all of
 * it from four times that rate. The rate counts deliveries, which holding does not change, so
 * holding cannot switch itself off and on again. With `aboveRate` 0 every event waits `delayMs`.
 *
 * The same idea as Centrifugo's `write_delay`, made to follow the load.
 */
export interface WriteCoalescingOptions {
  /** The longest an event may wait; 0 turns coalescing off. */
  delayMs: number;
  /** Deliveries per second (over the last second) from which events wait; 0: always, all of delayMs. */
  aboveRate: number;
  /** A monotonic clock in milliseconds. */
  now?: () => number;
}

/** The rate is counted in buckets of this length over the last BUCKETS of them (one second). */
const BUCKET_MS = 250;
const BUCKETS = 4;
/** The wait reaches `delayMs` at this multiple of `aboveRate`; it is a quarter of it at the rate. */
const FULL_DELAY_AT_LOAD = 4;

export class WriteCoalescing {
  private readonly delayMs: number;
  private readonly aboveRate: number;
  private readonly now: () => number;
  private readonly counts = new Float64Array(BUCKETS);
  /** Index (time ÷ BUCKET_MS) of the newest bucket. */
  private newest = 0;

  constructor(options: WriteCoalescingOptions) {
    this.delayMs = options.delayMs;
    this.aboveRate = options.aboveRate;
    this.now = options.now ?? (() => performance.now());
  }

  /** Counts `deliveries` (subscribers an event reached) towards the rate. */
  delivered(deliveries: number): void {
    this.advance();
    this.counts[this.newest % BUCKETS]! += deliveries;
  }

  /** How long the next event should wait for a shared write; 0: send it at once. */
  holdMs(): number {
    if (this.delayMs === 0) return 0;
    if (this.aboveRate === 0) return this.delayMs;
    const load = this.deliveriesPerSecond() / this.aboveRate;
    if (load < 1) return 0;
    return Math.min(this.delayMs, Math.max(1, Math.round((this.delayMs * load) / FULL_DELAY_AT_LOAD)));
  }

  /** Deliveries per second over the last second (the current bucket included). */
  deliveriesPerSecond(): number {
    this.advance();
    let sum = 0;
    for (const count of this.counts) sum += count;
    return sum / ((BUCKETS * BUCKET_MS) / 1000);
  }

  /** Clears the buckets that fell out of the window since the last call. */
  private advance(): void {
    const current = Math.floor(this.now() / BUCKET_MS);
    if (current === this.newest) return;
    const stale = Math.min(current - this.newest, BUCKETS);
    for (let step = 1; step <= stale; step += 1) this.counts[(this.newest + step) % BUCKETS] = 0;
    this.newest = current;
  }
}
