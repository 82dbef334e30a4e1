import { type BackoffOptions, nextDelay } from '@wirefleet/shared/client';
import type { Logger } from '@wirefleet/shared/logging';

const DEFAULT_RETRY: BackoffOptions = { initialMs: 1_000, maxMs: 30_000, jitter: 0.25 };

/**
 * Retries one piece of work with back-off until it succeeds: a config fetch or a command fetch
 * that failed because the auth-api or Postgres was away. Without it such work would wait for
 * the next change or reconnect, which may never come while the gateway connection stays up.
 * At most one retry is scheduled at a time; success starts the back-off over.
 */
export class RetryLater {
  private attempt = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly what: string,
    private readonly logger: Logger,
    private readonly backoff: BackoffOptions = DEFAULT_RETRY,
  ) {}

  succeeded(): void {
    this.attempt = 0;
    this.clear();
  }

  failed(error: unknown, retry: () => void): void {
    if (this.stopped || this.timer) return;
    const delayMs = nextDelay(this.attempt, this.backoff, Math.random);
    this.attempt += 1;
    this.logger.warn({ err: error, retryInMs: delayMs }, `${this.what} failed; retrying`);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      retry();
    }, delayMs);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    this.clear();
  }

  private clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
