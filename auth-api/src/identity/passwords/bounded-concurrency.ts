import { WirefleetError } from '@wirefleet/shared/errors';

export interface ConcurrencyStats {
  running: number;
  queued: number;
  /** The most tasks ever observed running at once (a high-water mark for tests and metrics). */
  maxRunning: number;
  /** Tasks ever started (for the password hasher: Argon2 computations, which tests count). */
  started: number;
}

/**
 * Runs at most `limit` tasks at once and queues at most `maxQueue` more; beyond that it
 * refuses with 503 `server_busy` at once, so a flood costs a bounded amount of memory.
 */
export class BoundedConcurrency {
  private running = 0;
  private maxRunning = 0;
  private started = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly limit: number,
    private readonly maxQueue: number,
  ) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) {
      if (this.waiting.length >= this.maxQueue) {
        throw new WirefleetError('server_busy', { detail: 'too many password checks in progress', retryAfterSeconds: 1 });
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running += 1;
    }
    this.maxRunning = Math.max(this.maxRunning, this.running);
    this.started += 1;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      // Hand the slot straight to the next waiter, so `running` never dips and over-admits.
      if (next) next();
      else this.running -= 1;
    }
  }

  stats(): ConcurrencyStats {
    return { running: this.running, queued: this.waiting.length, maxRunning: this.maxRunning, started: this.started };
  }
}
