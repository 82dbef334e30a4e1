import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { type AttemptTicket, KEEP_RESERVED } from './attempt-ticket.js';
import {
  consumeOrThrow,
  type LimiterFactory,
  refund,
  reserveOrThrow,
  throwIfExhausted,
} from './limiter-factory.js';

export interface LoginLimits {
  loginPerIpPerMinute: number;
  loginFailuresPerUserIp: number;
  loginBackoffAfterFailures: number;
  refreshPerIpPerMinute: number;
  totpFailuresPerUser: number;
}

/** The longest an account backs off after consecutive failures. */
const MAX_BACKOFF_SECONDS = 15 * 60;

/**
 * Brute-force protection for identity's credential-checking routes (login, refresh, TOTP). The
 * fleet's secrets — enrollment keys, node secrets — are limited by the fleet's own FleetGuard.
 *
 * - per IP: every login attempt spends a point (a flood from one address is cut off);
 * - per username+IP: failures only; success clears them;
 * - per account (any IP): after N consecutive failures the account backs off exponentially
 *   (2 s, 4 s, … up to 15 min). Capped so an attacker cannot lock a user out for long.
 * Failure budgets are reserved before the secret is checked and refunded when it was right,
 * so the limits hold for N attempts in parallel as they do one at a time.
 * Usernames are keyed lower-cased whether or not they exist, so limits reveal nothing.
 */
export class LoginGuard {
  private readonly perIp: RateLimiterAbstract;
  private readonly perUserIp: RateLimiterAbstract;
  private readonly accountFailures: RateLimiterAbstract;
  private readonly accountLock: RateLimiterAbstract;
  private readonly refreshPerIp: RateLimiterAbstract;
  private readonly totpFailures: RateLimiterAbstract;

  constructor(
    limiter: LimiterFactory,
    private readonly limits: LoginLimits,
  ) {
    this.perIp = limiter('login_ip', { points: limits.loginPerIpPerMinute, durationSeconds: 60 });
    this.perUserIp = limiter('login_user_ip', {
      points: limits.loginFailuresPerUserIp,
      durationSeconds: 15 * 60,
      blockDurationSeconds: 15 * 60,
    });
    this.accountFailures = limiter('login_account_failures', { points: 1_000_000, durationSeconds: 60 * 60 });
    // One slot per account: past the back-off threshold a check holds it until it is settled
    // (a failure turns it into the back-off block). The duration only frees a slot whose
    // holder died mid-check.
    this.accountLock = limiter('login_account_lock', { points: 1, durationSeconds: 60 });
    this.refreshPerIp = limiter('refresh_ip', { points: limits.refreshPerIpPerMinute, durationSeconds: 60 });
    this.totpFailures = limiter('totp_user', {
      points: limits.totpFailuresPerUser,
      durationSeconds: 5 * 60,
      blockDurationSeconds: 5 * 60,
    });
  }

  /**
   * Reserves one login attempt before the password is hashed: a point per IP, one against the
   * username+IP failure budget and one against the account's consecutive failures. Past the
   * back-off threshold the attempt must also take the account's single slot, so only one
   * check runs at a time and each failure blocks the next for longer. The caller settles the
   * ticket: `failed()` keeps the points, `succeeded()` clears the account, `release()` gives
   * the points back when no guess was checked.
   */
  async beforeLogin(ip: string, username: string): Promise<AttemptTicket> {
    const account = username.toLowerCase();
    const userIp = `${account}|${ip}`;
    await consumeOrThrow(this.perIp, ip);
    await reserveOrThrow(this.perUserIp, userIp);
    let failures = 0;
    let holdsSlot = false;
    try {
      failures = await reserveOrThrow(this.accountFailures, account);
      holdsSlot = failures > this.limits.loginBackoffAfterFailures;
      if (holdsSlot) await reserveOrThrow(this.accountLock, account);
      else await throwIfExhausted(this.accountLock, account);
    } catch (error) {
      // Refused before any check: this attempt must not count as a failure of the account.
      await refund(this.perUserIp, userIp);
      if (failures > 0) await refund(this.accountFailures, account);
      throw error;
    }
    return this.loginTicket(account, userIp, failures, holdsSlot);
  }

  private loginTicket(account: string, userIp: string, failures: number, holdsSlot: boolean): AttemptTicket {
    const releaseSlot = async () => {
      if (holdsSlot) await this.accountLock.delete(account);
    };
    return {
      failed: async () => {
        const over = failures - this.limits.loginBackoffAfterFailures;
        if (over >= 0) await this.accountLock.block(account, Math.min(2 ** (over + 1), MAX_BACKOFF_SECONDS));
      },
      succeeded: async () => {
        await Promise.all([
          this.perUserIp.delete(userIp),
          this.accountFailures.delete(account),
          releaseSlot(),
        ]);
      },
      release: async () => {
        await Promise.all([
          refund(this.perUserIp, userIp),
          refund(this.accountFailures, account),
          releaseSlot(),
        ]);
      },
    };
  }

  beforeRefresh(ip: string): Promise<void> {
    return consumeOrThrow(this.refreshPerIp, ip);
  }

  /** A TOTP code reserves a point before it is verified; a right code clears the user's failures. */
  async beforeTotp(userId: number): Promise<AttemptTicket> {
    const key = String(userId);
    await reserveOrThrow(this.totpFailures, key);
    return {
      failed: KEEP_RESERVED,
      succeeded: async () => {
        await this.totpFailures.delete(key);
      },
      release: () => refund(this.totpFailures, key),
    };
  }
}
