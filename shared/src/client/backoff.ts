/** Shape of the reconnect back-off: exponential from `initialMs`, capped at `maxMs`, jittered. */
export interface BackoffOptions {
  /** Delay before the first retry, in ms (before jitter). */
  initialMs: number;
  /** Cap on the un-jittered delay, in ms; the jittered delay may reach `maxMs × (1 + jitter)`. */
  maxMs: number;
  /** Relative spread in [0, 1): 0.25 spreads each delay uniformly over ±25 %. */
  jitter: number;
}

export const DEFAULT_BACKOFF: Readonly<BackoffOptions> = { initialMs: 1_000, maxMs: 60_000, jitter: 0.25 };

/**
 * Delay before reconnect attempt number `attempt` (0 = first retry): `min(maxMs, initialMs·2^attempt)`
 * spread by ±`jitter`. `random` returns [0, 1) like Math.random; injected so tests are deterministic.
 * Pure; never negative, never NaN for finite options.
 *
 * Jitter is applied after the cap on purpose: clamping afterwards would put half of all clients
 * exactly at `maxMs`, and after a gateway outage thousands of nodes would retry in lockstep.
 */
export function nextDelay(attempt: number, options: BackoffOptions, random: () => number): number {
  const exponent = Math.max(0, Math.floor(attempt));
  // 2 ** exponent overflows to Infinity for large attempts; Math.min then yields maxMs.
  const base = Math.min(options.maxMs, options.initialMs * 2 ** exponent);
  const jitter = Math.min(Math.max(options.jitter, 0), 1);
  const spread = (2 * random() - 1) * jitter;
  return Math.max(0, Math.round(base * (1 + spread)));
}
