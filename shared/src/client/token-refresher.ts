import { RealtimeClientError } from './errors.js';
import type { TimerHandle, TokenProvider } from './options.js';

/** Timers longer than this (~24.8 days) fire immediately in browsers and Node. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** Floor between refreshes, so a token that is already (nearly) expired cannot cause a busy loop. */
const MIN_REFRESH_DELAY_MS = 1_000;

/** What the refresher needs from the client; `send` resolves on the gateway's `refreshed`. */
export interface TokenRefresherDeps {
  token: TokenProvider;
  refreshBeforeExpirySeconds: number;
  now: () => number;
  setTimer: (callback: () => void, ms: number) => TimerHandle;
  clearTimer: (handle: TimerHandle) => void;
  /** The token the open connection currently runs on. */
  currentToken: () => string | undefined;
  send: (token: string) => Promise<unknown>;
  onRefreshed: (token: string) => void;
  onError: (error: RealtimeClientError) => void;
}

/**
 * Keeps the open connection's token fresh: `schedule(expires_at)` after `welcome` and every
 * `refreshed`, `cancel()` when the connection ends. One attempt per expiry: if it fails, the
 * gateway closes with 4001 at expiry and the reconnect forces a new token, so nothing is lost.
 */
export class TokenRefresher {
  private timer: TimerHandle | undefined;
  /** Bumped by cancel(), so a refresh that outlived its connection sends nothing. */
  private epoch = 0;

  constructor(private readonly deps: TokenRefresherDeps) {}

  /**
   * Refreshes `refreshBeforeExpirySeconds` before `expiresAt` (seconds since the epoch), or at half
   * the remaining life when the token lives shorter than that margin. Client and gateway clocks
   * may differ; if ours is late by more than the margin, the 4001 path above covers it.
   */
  schedule(expiresAt: number): void {
    this.clearTimer();
    const remaining = expiresAt * 1000 - this.deps.now();
    const margin = this.deps.refreshBeforeExpirySeconds * 1000;
    const delay = remaining > margin ? remaining - margin : remaining / 2;
    const epoch = this.epoch;
    this.timer = this.deps.setTimer(
      () => {
        this.timer = undefined;
        void this.refresh(epoch);
      },
      Math.min(Math.max(delay, MIN_REFRESH_DELAY_MS), MAX_TIMER_MS),
    );
  }

  cancel(): void {
    this.epoch++;
    this.clearTimer();
  }

  private async refresh(epoch: number): Promise<void> {
    try {
      let token = await this.deps.token({ forceRefresh: false });
      // A caching provider may hand back the very token that is about to expire.
      if (token === this.deps.currentToken()) token = await this.deps.token({ forceRefresh: true });
      if (epoch !== this.epoch) return;
      await this.deps.send(token);
      if (epoch === this.epoch) this.deps.onRefreshed(token);
    } catch (cause) {
      if (epoch === this.epoch) {
        this.deps.onError(new RealtimeClientError('refresh_failed', 'token refresh failed', { cause }));
      }
    }
  }

  private clearTimer(): void {
    if (this.timer !== undefined) this.deps.clearTimer(this.timer);
    this.timer = undefined;
  }
}
