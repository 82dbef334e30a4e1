import { randomUUID } from 'node:crypto';
import type { UserRole } from '@wirefleet/shared/tokens';
import type { Knex } from 'knex';
import { type PreparedStatement, runPrepared } from '../../platform/db/index.js';
import { hashRefreshToken, newRefreshToken } from './refresh-token.js';

export interface SessionPolicy {
  refreshTtlSeconds: number;
  absoluteTtlSeconds: number;
  reuseGraceSeconds: number;
}

export interface IssuedRefresh {
  sid: string;
  refreshToken: string;
  refreshExpiresIn: number;
}

export type RotationOutcome =
  | {
      kind: 'rotated';
      sid: string;
      userId: number;
      role: UserRole;
      refreshToken: string;
      refreshExpiresIn: number;
    }
  | { kind: 'invalid' }
  /** An already-rotated token was presented. `familyRevoked` is true when this call revoked it. */
  | { kind: 'reused'; sid: string; userId: number; withinGrace: boolean; familyRevoked: boolean };

/**
 * Spends a token and issues its successor in one statement (one round trip), prepared so
 * that Postgres plans it once per connection instead of on every refresh.
 */
const ROTATE_STATEMENT: PreparedStatement = {
  name: 'wirefleet_rotate_refresh_token',
  text: `WITH spent AS (
           UPDATE refresh_tokens t SET rotated_at = now()
             FROM sessions s JOIN users u ON u.id = s.user_id
            WHERE t.token_hash = $1 AND t.rotated_at IS NULL AND t.expires_at > now()
              AND s.id = t.session_id AND s.revoked_at IS NULL AND s.absolute_expires_at > now()
              AND u.disabled_at IS NULL
           RETURNING t.session_id, s.user_id, u.role, s.absolute_expires_at
         ), fresh AS (
           INSERT INTO refresh_tokens (id, session_id, token_hash, expires_at)
           SELECT $2, session_id, $3, LEAST(now() + make_interval(secs => $4), absolute_expires_at) FROM spent
           RETURNING expires_at
         )
         SELECT spent.session_id, spent.user_id, spent.role,
                GREATEST(0, floor(extract(epoch FROM fresh.expires_at - now())))::int AS expires_in
           FROM spent, fresh`,
};

interface SpentRow {
  session_id: string;
  user_id: string;
  role: UserRole;
  expires_in: string;
}

/**
 * Login sessions and their refresh-token families. A family is one login: each refresh spends
 * the presented token and issues its successor, and presenting a spent token again after the
 * grace window revokes the whole family (the token was stolen, or the client is broken).
 */
export class SessionStore {
  /**
   * `rotationDb` runs the rotation statement; it may be a pool with asynchronous commit
   * (see Database.relaxed), because losing a rotation in a crash only forces a new login.
   */
  constructor(
    private readonly db: Knex,
    private readonly policy: SessionPolicy,
    private readonly rotationDb: Knex = db,
  ) {}

  async create(userId: number, meta: { ip?: string; userAgent?: string }): Promise<IssuedRefresh> {
    const sid = randomUUID();
    const { token, hash } = newRefreshToken();
    const ttl = Math.min(this.policy.refreshTtlSeconds, this.policy.absoluteTtlSeconds);
    await this.db.transaction(async (trx) => {
      await trx('sessions').insert({
        id: sid,
        user_id: userId,
        absolute_expires_at: trx.raw(`now() + make_interval(secs => ?)`, [this.policy.absoluteTtlSeconds]),
        ip: meta.ip ?? null,
        user_agent: meta.userAgent?.slice(0, 256) ?? null,
      });
      await trx('refresh_tokens').insert({
        id: randomUUID(),
        session_id: sid,
        token_hash: hash,
        expires_at: trx.raw(`now() + make_interval(secs => ?)`, [ttl]),
      });
    });
    return { sid, refreshToken: token, refreshExpiresIn: ttl };
  }

  /**
   * Spends `token` and issues its successor in ONE statement: the UPDATE's row lock makes
   * concurrent refreshes with the same token serialise, and every loser re-reads
   * `rotated_at IS NOT NULL` and matches nothing — exactly one wins.
   */
  async rotate(token: string): Promise<RotationOutcome> {
    const hash = hashRefreshToken(token);
    const next = newRefreshToken();
    const rows = await runPrepared<SpentRow>(this.rotationDb, ROTATE_STATEMENT, [
      hash,
      randomUUID(),
      next.hash,
      this.policy.refreshTtlSeconds,
    ]);
    const row = rows[0];
    if (row) {
      return {
        kind: 'rotated',
        sid: row.session_id,
        userId: Number(row.user_id),
        role: row.role,
        refreshToken: next.token,
        refreshExpiresIn: Number(row.expires_in),
      };
    }
    return this.classifyFailure(hash);
  }

  private async classifyFailure(hash: Buffer): Promise<RotationOutcome> {
    const row = await this.db('refresh_tokens as t')
      .join('sessions as s', 's.id', 't.session_id')
      .where('t.token_hash', hash)
      .first<
        | { session_id: string; user_id: string; rotated_seconds_ago: string | null; revoked: boolean }
        | undefined
      >(
        't.session_id',
        's.user_id',
        this.db.raw('extract(epoch FROM now() - t.rotated_at) AS rotated_seconds_ago'),
        this.db.raw('s.revoked_at IS NOT NULL AS revoked'),
      );
    if (!row || row.rotated_seconds_ago === null) return { kind: 'invalid' };
    const userId = Number(row.user_id);
    const withinGrace = Number(row.rotated_seconds_ago) <= this.policy.reuseGraceSeconds;
    if (withinGrace || row.revoked) {
      return { kind: 'reused', sid: row.session_id, userId, withinGrace, familyRevoked: false };
    }
    const familyRevoked = await this.revoke(row.session_id, 'refresh_token_reuse');
    return { kind: 'reused', sid: row.session_id, userId, withinGrace: false, familyRevoked };
  }

  /** Revokes a family; true when this call did it (false when it was already revoked). */
  async revoke(sid: string, reason: string): Promise<boolean> {
    const updated = await this.db('sessions')
      .where({ id: sid })
      .whereNull('revoked_at')
      .update({ revoked_at: this.db.fn.now(), revoked_reason: reason });
    return updated > 0;
  }

  /** Revokes every live family of a user; returns the sids revoked. */
  async revokeAllForUser(userId: number, reason: string): Promise<string[]> {
    const rows = await this.db('sessions')
      .where({ user_id: userId })
      .whereNull('revoked_at')
      .update({ revoked_at: this.db.fn.now(), revoked_reason: reason })
      .returning<{ id: string }[]>('id');
    return rows.map((row) => row.id);
  }

  /** The user id of a live session, or undefined when it is unknown, revoked or past its lifetime. */
  async activeSessionUser(sid: string): Promise<number | undefined> {
    const row = await this.db('sessions')
      .where({ id: sid })
      .whereNull('revoked_at')
      .where('absolute_expires_at', '>', this.db.fn.now())
      .first<{ user_id: string } | undefined>('user_id');
    return row ? Number(row.user_id) : undefined;
  }

  /** The session a refresh token belongs to, whatever its state (for logout with a refresh token). */
  async sessionOfRefreshToken(token: string): Promise<{ sid: string; userId: number } | undefined> {
    const row = await this.db('refresh_tokens as t')
      .join('sessions as s', 's.id', 't.session_id')
      .where('t.token_hash', hashRefreshToken(token))
      .first<{ sid: string; user_id: string } | undefined>('s.id as sid', 's.user_id');
    return row ? { sid: row.sid, userId: Number(row.user_id) } : undefined;
  }
}
