import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { refund } from './limiter-factory.js';

/**
 * One reserved attempt at a secret, settled exactly once after the check: `failed()` when the
 * guess was wrong (the reserved points stay spent), `succeeded()` when it was right, and
 * `release()` when nothing was checked (a store error, 503, a missing second factor), which
 * gives the points back.
 */
export interface AttemptTicket {
  failed(): Promise<void>;
  succeeded(): Promise<void>;
  release(): Promise<void>;
}

/** A wrong guess leaves its reserved point spent: that point is the counted failure. */
export const KEEP_RESERVED = (): Promise<void> => Promise.resolve();

/** A ticket whose point is given back unless the guess was wrong. */
export function refundOnSuccess(limiter: RateLimiterAbstract, key: string): AttemptTicket {
  return {
    failed: KEEP_RESERVED,
    succeeded: () => refund(limiter, key),
    release: () => refund(limiter, key),
  };
}
