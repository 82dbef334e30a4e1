import { WirefleetError } from '@wirefleet/shared/errors';
import type { Logger } from '@wirefleet/shared/logging';
import type { AuditLog } from '../../platform/audit/index.js';
import type { AttemptTicket, LoginGuard } from '../../platform/rate-limits/index.js';
import type { PasswordHasher } from '../passwords/index.js';
import { type SessionStore, type TokenPair, tokenPair } from '../sessions/index.js';
import type { AccessTokenIssuer } from '../tokens/index.js';
import type { TotpVerifier } from '../totp/totp-service.js';
import type { UserRecord, UserStore } from '../users/user-store.js';

export interface LoginAttempt {
  username: string;
  password: string;
  totpCode?: string | undefined;
  ip: string;
  userAgent?: string | undefined;
}

export interface LoginMetrics {
  loginResult(result: string): void;
}

/**
 * Password (+ TOTP) login. Unknown users, disabled users and wrong passwords take the same
 * path through Argon2 and end in the same 401 body, so neither the answer nor its timing
 * tells whether a username exists.
 */
export class LoginService {
  constructor(
    private readonly deps: {
      users: UserStore;
      hasher: PasswordHasher;
      sessions: SessionStore;
      tokens: AccessTokenIssuer;
      guard: LoginGuard;
      totp: TotpVerifier;
      audit: AuditLog;
      metrics: LoginMetrics;
      logger: Logger;
      /** `admins`: only admins may use a password (break-glass); the others sign in with OIDC. */
      passwordLogin?: 'all' | 'admins';
    },
  ) {}

  async login(attempt: LoginAttempt): Promise<TokenPair> {
    const { users, audit, metrics } = this.deps;
    const user = await this.checkCredentials(attempt);
    this.rehashIfOutdated(user, attempt.password);
    await users.update(user.id, { last_login_at: new Date() });
    const pair = await this.startSession(user, attempt);
    await audit.record({
      type: 'auth.login',
      actor: `user:${user.id}`,
      subject: `user:${user.id}`,
      ip: attempt.ip,
    });
    metrics.loginResult('ok');
    return pair;
  }

  /**
   * The attempt is reserved with the guard before Argon2 runs, so parallel guesses cannot all
   * pass a check that is counted only afterwards; every way out of here settles the ticket.
   */
  private async checkCredentials(attempt: LoginAttempt): Promise<UserRecord> {
    const { users, hasher, guard, audit, metrics } = this.deps;
    const ticket = await guard.beforeLogin(attempt.ip, attempt.username);
    let user: UserRecord | undefined;
    let passwordOk: boolean;
    try {
      user = await users.findByUsername(attempt.username);
      passwordOk = user
        ? await hasher.verify(user.passwordHash, attempt.password)
        : await hasher.verifyDummy(attempt.password);
    } catch (error) {
      // 503 from the hash queue or a store error: no guess was checked.
      await ticket.release();
      throw error;
    }
    if (!user || !passwordOk || user.disabled) {
      await ticket.failed();
      await audit.record({
        type: 'auth.login_failed',
        subject: user ? `user:${user.id}` : undefined,
        ip: attempt.ip,
        data: { username: attempt.username.slice(0, 64), reason: 'invalid_credentials' },
      });
      metrics.loginResult('invalid_credentials');
      throw new WirefleetError('invalid_credentials');
    }
    if (this.deps.passwordLogin === 'admins' && user.role !== 'admin')
      await this.refusePassword(user, attempt, ticket);
    if (user.totpEnabled) await this.checkSecondFactor(user, attempt, ticket);
    await ticket.succeeded();
    return user;
  }

  /** The password was right, but this user must sign in with single sign-on. */
  private async refusePassword(
    user: UserRecord,
    attempt: LoginAttempt,
    ticket: AttemptTicket,
  ): Promise<never> {
    await ticket.release();
    await this.deps.audit.record({
      type: 'auth.login_failed',
      subject: `user:${user.id}`,
      ip: attempt.ip,
      data: { username: user.username, reason: 'password_login_disabled' },
    });
    this.deps.metrics.loginResult('password_login_disabled');
    throw new WirefleetError('password_login_disabled');
  }

  private async checkSecondFactor(
    user: UserRecord,
    attempt: LoginAttempt,
    ticket: AttemptTicket,
  ): Promise<void> {
    if (attempt.totpCode === undefined) {
      // The password was right: asking for the code is not a failed guess.
      await ticket.release();
      this.deps.metrics.loginResult('totp_required');
      throw new WirefleetError('totp_required', { detail: 'send totp_code with the password' });
    }
    let ok: boolean;
    try {
      ok = await this.deps.totp.verifyAndClaim(user, attempt.totpCode);
    } catch (error) {
      await ticket.release();
      throw error;
    }
    if (!ok) {
      await ticket.failed();
      await this.deps.audit.record({
        type: 'auth.login_failed',
        subject: `user:${user.id}`,
        ip: attempt.ip,
        data: { username: user.username, reason: 'totp_invalid' },
      });
      this.deps.metrics.loginResult('totp_invalid');
      throw new WirefleetError('totp_invalid');
    }
  }

  private async startSession(user: UserRecord, attempt: LoginAttempt): Promise<TokenPair> {
    const refresh = await this.deps.sessions.create(user.id, {
      ip: attempt.ip,
      userAgent: attempt.userAgent,
    });
    return tokenPair(
      this.deps.tokens.issue({ sub: `user:${user.id}`, role: user.role, sid: refresh.sid }),
      refresh,
    );
  }

  /**
   * Parameters were raised since this hash was made: replace it now that the plaintext is at
   * hand. Off the response path, so the login does not pay for a second Argon2 run.
   */
  private rehashIfOutdated(user: UserRecord, password: string): void {
    if (!this.deps.hasher.needsRehash(user.passwordHash)) return;
    this.deps.hasher
      .hash(password)
      .then((hash) => this.deps.users.update(user.id, { password_hash: hash }))
      .then(() => this.deps.logger.info({ userId: user.id }, 'password re-hashed with current parameters'))
      .catch((error: unknown) =>
        this.deps.logger.warn({ err: error, userId: user.id }, 'password re-hash failed'),
      );
  }
}
