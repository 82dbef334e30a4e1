import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import {
  type AttemptTicket,
  type LimiterFactory,
  refundOnSuccess,
  reserveOrThrow,
} from '../platform/rate-limits/index.js';

/** The fleet's guess limits, per client IP (settings in config.ts, documented in docs/fleet.md). */
export interface FleetLimits {
  enrollPerIpPerMinute: number;
  nodeTokenFailuresPerIpPerMinute: number;
}

/** How long an address that spent its node-token failures is refused. */
const NODE_TOKEN_BLOCK_SECONDS = 5 * 60;

/**
 * Brute-force protection for the fleet's secrets: enrollment keys and node secrets. Each guess
 * reserves a point before the secret is looked at, so the limit holds for guesses in parallel
 * as it does one at a time; a right secret gives its point back. Identity's limits (login,
 * refresh, TOTP) are identity's LoginGuard.
 */
export class FleetGuard {
  private readonly enrollPerIp: RateLimiterAbstract;
  private readonly nodeTokenFailures: RateLimiterAbstract;

  constructor(limiter: LimiterFactory, limits: FleetLimits) {
    this.enrollPerIp = limiter('enroll_ip', { points: limits.enrollPerIpPerMinute, durationSeconds: 60 });
    this.nodeTokenFailures = limiter('node_token_ip', {
      points: limits.nodeTokenFailuresPerIpPerMinute,
      durationSeconds: 60,
      blockDurationSeconds: NODE_TOKEN_BLOCK_SECONDS,
    });
  }

  /**
   * Every enrollment attempt reserves a point: keys are secrets worth guessing. A successful
   * enrollment gives it back, so a rollout of many nodes behind one address is not throttled.
   */
  async beforeEnroll(ip: string): Promise<AttemptTicket> {
    await reserveOrThrow(this.enrollPerIp, ip);
    return refundOnSuccess(this.enrollPerIp, ip);
  }

  /** A node secret guess reserves a point before it is compared; a right secret gives it back. */
  async beforeNodeToken(ip: string): Promise<AttemptTicket> {
    await reserveOrThrow(this.nodeTokenFailures, ip);
    return refundOnSuccess(this.nodeTokenFailures, ip);
  }
}
