import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { consumeOrThrow, type LimiterFactory, recordFailure, throwIfExhausted } from './limiter-factory.js';

export interface LoginLimits {
  loginPerIpPerMinute: number;
  loginFailuresPerUserIp: number;
  loginBackoffAfterFailures: number;
  refreshPerIpPerMinute: number;
  totpFailuresPerUser: number;
  enrollPerIpPerMinute: number;
}

/** The longest an account backs off after consecutive failures. */
const MAX_BACKOFF_SECONDS = 15 * 60;

/**
 * Brute-force protection for the credential-checking routes.
 *
 * - per IP: every login attempt spends a point (a flood from one address is cut off);
 * - per username+IP: failures only; success clears them;
 * - per account (any IP): after N consecutive failures the account backs off exponentially
 *   (2 s, 4 s, … up to 15 min). Capped so an attacker cannot lock a user out for long.
 * Usernames are keyed lower-cased whether or not they exist, so limits reveal nothing.
 */
export class LoginGuard {
  private readonly perIp: RateLimiterAbstract;
  private readonly perUserIp: RateLimiterAbstract;
  private readonly accountFailures: RateLimiterAbstract;
  private readonly accountLock: RateLimiterAbstract;
  private readonly refreshPerIp: RateLimiterAbstract;
  private readonly totpFailures: RateLimiterAbstract;
  private readonly enrollPerIp: RateLimiterAbstract;
  private readonly nodeTokenFailures: RateLimiterAbstract;

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
    this.accountLock = limiter('login_account_lock', { points: 1, durationSeconds: 1 });
    this.enrollPerIp = limiter('enroll_ip', { points: limits.enrollPerIpPerMinute, durationSeconds: 60 });
    this.nodeTokenFailures = limiter('node_token_ip', { points: 20, durationSeconds: 60, blockDurationSeconds: 5 * 60 });
    this.refreshPerIp = limiter('refresh_ip', { points: limits.refreshPerIpPerMinute, durationSeconds: 60 });
    this.totpFailures = limiter('totp_user', {
      points: limits.totpFailuresPerUser,
      durationSeconds: 5 * 60,
      blockDurationSeconds: 5 * 60,
    });
  }

  async beforeLogin(ip: string, username: string): Promise<void> {
    const account = username.toLowerCase();
    await consumeOrThrow(this.perIp, ip);
    await throwIfExhausted(this.perUserIp, `${account}|${ip}`);
    await throwIfExhausted(this.accountLock, account);
  }

  async loginFailed(ip: string, username: string): Promise<void> {
    const account = username.toLowerCase();
    await recordFailure(this.perUserIp, `${account}|${ip}`);
    const failures = await recordFailure(this.accountFailures, account);
    const over = failures - this.limits.loginBackoffAfterFailures;
    if (over >= 0) await this.accountLock.block(account, Math.min(2 ** (over + 1), MAX_BACKOFF_SECONDS));
  }

  async loginSucceeded(ip: string, username: string): Promise<void> {
    const account = username.toLowerCase();
    await Promise.all([this.perUserIp.delete(`${account}|${ip}`), this.accountFailures.delete(account)]);
  }

  beforeRefresh(ip: string): Promise<void> {
    return consumeOrThrow(this.refreshPerIp, ip);
  }

  /** Every enrollment attempt spends a point: keys are secrets worth guessing. */
  beforeEnroll(ip: string): Promise<void> {
    return consumeOrThrow(this.enrollPerIp, ip);
  }

  beforeNodeToken(ip: string): Promise<void> {
    return throwIfExhausted(this.nodeTokenFailures, ip);
  }

  async nodeTokenFailed(ip: string): Promise<void> {
    await recordFailure(this.nodeTokenFailures, ip);
  }

  beforeTotp(userId: number): Promise<void> {
    return throwIfExhausted(this.totpFailures, String(userId));
  }

  async totpFailed(userId: number): Promise<void> {
    await recordFailure(this.totpFailures, String(userId));
  }

  async totpSucceeded(userId: number): Promise<void> {
    await this.totpFailures.delete(String(userId));
  }
}
