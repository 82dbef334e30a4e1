import { WirefleetError } from '@wirefleet/shared/errors';
import type { CreateUserRequest, PatchUserRequest } from '@wirefleet/shared/schemas';
import type { Knex } from 'knex';
import type { AuditLog } from '../../platform/audit/index.js';
import type { PasswordHasher } from '../passwords/index.js';
import { userRevocation } from '@wirefleet/shared/revocations';
import type { RevocationRecorder } from '../revocations/index.js';
import type { SessionService, SessionStore } from '../sessions/index.js';
import type { UserRecord, UserStore } from './user-store.js';

/** User administration: every change is audited, and losing access ends live sessions. */
export class UserService {
  constructor(
    private readonly deps: {
      db: Knex;
      users: UserStore;
      hasher: PasswordHasher;
      sessionStore: SessionStore;
      sessions: SessionService;
      audit: AuditLog;
      revocations: RevocationRecorder;
    },
  ) {}

  async create(input: CreateUserRequest, actor: string, ip?: string): Promise<UserRecord> {
    const passwordHash = await this.deps.hasher.hash(input.password);
    return this.deps.db.transaction(async (trx) => {
      const user = await this.deps.users.create(
        { username: input.username, passwordHash, role: input.role },
        trx,
      );
      await this.deps.audit.record(
        {
          type: 'user.created',
          actor,
          subject: `user:${user.id}`,
          ip,
          data: { username: user.username, role: user.role },
        },
        trx,
      );
      return user;
    });
  }

  async patch(id: number, changes: PatchUserRequest, actor: string, ip?: string): Promise<UserRecord> {
    const before = await this.deps.users.findById(id);
    if (!before) throw new WirefleetError('not_found');
    const passwordHash = changes.password ? await this.deps.hasher.hash(changes.password) : undefined;
    const demotesAdmin =
      before.role === 'admin' &&
      !before.disabled &&
      ((changes.role && changes.role !== 'admin') || changes.disabled === true);
    const user = await this.deps.db.transaction(async (trx) => {
      if (demotesAdmin) await this.keepOneAdmin(trx);
      const updated = await this.deps.users.update(
        id,
        {
          ...(changes.role ? { role: changes.role } : {}),
          ...(passwordHash ? { password_hash: passwordHash } : {}),
          ...(changes.disabled !== undefined ? { disabled_at: changes.disabled ? new Date() : null } : {}),
        },
        trx,
      );
      const fields = Object.keys(changes);
      await this.deps.audit.record(
        { type: 'user.updated', actor, subject: `user:${id}`, ip, data: { fields } },
        trx,
      );
      // The gateways refuse the user's older tokens (their role or access is stale) from commit on.
      if (changes.role !== undefined || changes.disabled === true) await this.recordUser(id, trx);
      return updated!;
    });
    this.deps.revocations.poke();
    // A new role or password, or a disabled account, must not ride on tokens issued before.
    if (changes.role !== undefined || changes.password !== undefined || changes.disabled === true) {
      await this.endSessions(id, 'user_updated');
    }
    return user;
  }

  async delete(id: number, actor: string, ip?: string): Promise<void> {
    const before = await this.deps.users.findById(id);
    if (!before) throw new WirefleetError('not_found');
    // Revoke first, inside the transaction, so no refresh can slip in between; announce after commit.
    const sids = await this.deps.db.transaction(async (trx) => {
      if (before.role === 'admin' && !before.disabled) await this.keepOneAdmin(trx);
      const revoked = await trx('sessions')
        .where({ user_id: id })
        .whereNull('revoked_at')
        .update({ revoked_at: trx.fn.now(), revoked_reason: 'user_deleted' })
        .returning<{ id: string }[]>('id');
      await this.deps.users.delete(id, trx);
      await this.deps.audit.record(
        { type: 'user.deleted', actor, subject: `user:${id}`, ip, data: { username: before.username } },
        trx,
      );
      await this.recordUser(id, trx);
      return revoked.map((row) => row.id);
    });
    this.deps.revocations.poke();
    await this.deps.sessions.announceRevoked(id, sids);
  }

  /** Refuses a change that would leave no enabled admin (nobody could manage users any more). */
  private async keepOneAdmin(trx: Knex.Transaction): Promise<void> {
    // Serialise admin removals so two concurrent ones cannot both see "another admin is left".
    await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', ['wirefleet.users.admins']);
    if ((await this.deps.users.countActiveAdmins(trx)) <= 1) {
      throw new WirefleetError('conflict', {
        detail: 'the last enabled admin cannot be removed, demoted or disabled',
      });
    }
  }

  private async recordUser(userId: number, trx: Knex.Transaction): Promise<void> {
    await this.deps.revocations.record([userRevocation(userId, this.deps.revocations.now())], trx);
  }

  private async endSessions(userId: number, reason: string): Promise<void> {
    const sids = await this.deps.sessionStore.revokeAllForUser(userId, reason);
    await this.deps.sessions.announceRevoked(userId, sids);
  }
}
