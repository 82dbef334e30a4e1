import type { Bus } from '@wirefleet/shared/bus';
import { WirefleetError } from '@wirefleet/shared/errors';
import type { Logger } from '@wirefleet/shared/logging';
import type { AuditLog } from '../../platform/audit/index.js';
import type { LoginGuard } from '../../platform/rate-limits/index.js';
import { sessionRevocation } from '@wirefleet/shared/revocations';
import type { RevocationRecorder } from '../revocations/index.js';
import type { SessionStore } from './session-store.js';
import type { AccessTokenIssuer } from '../tokens/index.js';
import { type TokenPair, tokenPair } from './token-pair.js';

export interface RefreshMetrics {
  refreshResult(result: string): void;
}

/** Refresh rotation, logout, and telling the gateways when a session dies. */
export class SessionService {
  constructor(
    private readonly deps: {
      sessions: SessionStore;
      revocations: RevocationRecorder;
      tokens: AccessTokenIssuer;
      guard: LoginGuard;
      audit: AuditLog;
      bus: Bus;
      metrics: RefreshMetrics;
      logger: Logger;
    },
  ) {}

  async refresh(refreshToken: string, ip: string): Promise<TokenPair> {
    await this.deps.guard.beforeRefresh(ip);
    const outcome = await this.deps.sessions.rotate(refreshToken);
    this.deps.metrics.refreshResult(outcome.kind);
    if (outcome.kind === 'rotated') {
      return tokenPair(
        this.deps.tokens.issue({ sub: `user:${outcome.userId}`, role: outcome.role, sid: outcome.sid }),
        outcome,
      );
    }
    if (outcome.kind === 'invalid') throw new WirefleetError('invalid_grant');
    if (outcome.familyRevoked) {
      await this.deps.audit.record({
        type: 'auth.refresh_reuse',
        subject: `user:${outcome.userId}`,
        ip,
        data: { sid: outcome.sid, action: 'family_revoked' },
      });
      await this.announceRevoked(outcome.userId, [outcome.sid]);
    }
    throw new WirefleetError('token_reused', {
      detail: outcome.withinGrace
        ? 'this refresh token was just rotated; use its successor'
        : 'this refresh token was already used; the session is revoked',
    });
  }

  /** Revokes the caller's session (and the one a presented refresh token belongs to, if it is theirs). */
  async logout(
    claims: { sub: string; sid: string },
    userId: number,
    refreshToken: string | undefined,
    ip: string,
  ): Promise<void> {
    const sids = new Set([claims.sid]);
    if (refreshToken) {
      const owner = await this.deps.sessions.sessionOfRefreshToken(refreshToken);
      if (owner && owner.userId === userId) sids.add(owner.sid);
    }
    const revoked: string[] = [];
    for (const sid of sids) if (await this.deps.sessions.revoke(sid, 'logout')) revoked.push(sid);
    await this.deps.audit.record({
      type: 'auth.logout',
      actor: claims.sub,
      subject: claims.sub,
      ip,
      data: { sids: [...sids] },
    });
    await this.announceRevoked(userId, [...sids]);
  }

  /**
   * Records the revoked sessions for the gateways' revocation lists (outbox: stored and
   * announced even if Redis is down now), then publishes `session.revoked` to the user's room;
   * every gateway instance closes that session's connections with 4001. A Bus failure is
   * logged, not thrown: the revocation itself is committed, and the outbox carries it.
   */
  async announceRevoked(userId: number, sids: string[]): Promise<void> {
    if (sids.length === 0) return;
    const now = this.deps.revocations.now();
    try {
      await this.deps.revocations.record(sids.map((sid) => sessionRevocation(sid, now)));
    } catch (error) {
      this.deps.logger.error({ err: error, userId }, 'could not record session revocation for the gateways');
    }
    for (const sid of sids) {
      try {
        await this.deps.bus.publish(`user:${userId}`, 'session.revoked', { sid });
      } catch (error) {
        this.deps.logger.error({ err: error, userId, sid }, 'could not announce session revocation');
      }
    }
  }
}
