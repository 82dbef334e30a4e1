import { WirefleetError } from '@wirefleet/shared/errors';
import type { UserRole } from '@wirefleet/shared/tokens';
import type { Knex } from 'knex';

/** A user row as the store hands it out (secrets included: never serialise this directly). */
export interface UserRecord {
  id: number;
  username: string;
  passwordHash: string;
  role: UserRole;
  totpEnabled: boolean;
  totpSecretEnc: string | null;
  totpPendingSecretEnc: string | null;
  totpLastStep: number;
  disabled: boolean;
  createdAt: Date;
  updatedAt: Date;
  lastLoginAt: Date | null;
}

/** The user as the API shows it. */
export interface PublicUser {
  id: number;
  username: string;
  role: UserRole;
  totp_enabled: boolean;
  disabled: boolean;
  created_at: string;
  updated_at: string;
  last_login_at: string | null;
}

interface UserRow {
  id: string;
  username: string;
  password_hash: string;
  role: UserRole;
  totp_enabled: boolean;
  totp_secret_enc: string | null;
  totp_pending_secret_enc: string | null;
  totp_last_step: string;
  disabled_at: Date | null;
  created_at: Date;
  updated_at: Date;
  last_login_at: Date | null;
}

function fromRow(row: UserRow): UserRecord {
  return {
    id: Number(row.id),
    username: row.username,
    passwordHash: row.password_hash,
    role: row.role,
    totpEnabled: row.totp_enabled,
    totpSecretEnc: row.totp_secret_enc,
    totpPendingSecretEnc: row.totp_pending_secret_enc,
    totpLastStep: Number(row.totp_last_step),
    disabled: row.disabled_at !== null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    lastLoginAt: row.last_login_at,
  };
}

export function toPublicUser(user: UserRecord): PublicUser {
  return {
    id: user.id,
    username: user.username,
    role: user.role,
    totp_enabled: user.totpEnabled,
    disabled: user.disabled,
    created_at: user.createdAt.toISOString(),
    updated_at: user.updatedAt.toISOString(),
    last_login_at: user.lastLoginAt?.toISOString() ?? null,
  };
}

const UNIQUE_VIOLATION = '23505';

export class UserStore {
  constructor(private readonly db: Knex) {}

  async findByUsername(username: string): Promise<UserRecord | undefined> {
    const row = await this.db('users').whereRaw('lower(username) = lower(?)', [username]).first<UserRow | undefined>();
    return row ? fromRow(row) : undefined;
  }

  async findById(id: number): Promise<UserRecord | undefined> {
    const row = await this.db('users').where({ id }).first<UserRow | undefined>();
    return row ? fromRow(row) : undefined;
  }

  async count(): Promise<number> {
    const row = await this.db('users').count<{ count: string }[]>({ count: '*' }).first();
    return Number(row?.count ?? 0);
  }

  async list(afterId: number | undefined, limit: number): Promise<UserRecord[]> {
    const rows = await this.db('users')
      .modify((q) => {
        if (afterId !== undefined) q.where('id', '>', afterId);
      })
      .orderBy('id')
      .limit(limit)
      .select<UserRow[]>('*');
    return rows.map(fromRow);
  }

  /** Creates a user; a taken username (case-insensitively) is 409 `conflict`. */
  async create(input: { username: string; passwordHash: string; role: UserRole }, trx?: Knex.Transaction): Promise<UserRecord> {
    try {
      const [row] = await (trx ?? this.db)('users')
        .insert({ username: input.username, password_hash: input.passwordHash, role: input.role })
        .returning<UserRow[]>('*');
      return fromRow(row!);
    } catch (error) {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) {
        throw new WirefleetError('conflict', { detail: 'that username is taken', cause: error });
      }
      throw error;
    }
  }

  async update(
    id: number,
    changes: Partial<{
      role: UserRole;
      password_hash: string;
      disabled_at: Date | null;
      totp_enabled: boolean;
      totp_secret_enc: string | null;
      totp_pending_secret_enc: string | null;
      last_login_at: Date;
    }>,
    trx?: Knex.Transaction,
  ): Promise<UserRecord | undefined> {
    const db = trx ?? this.db;
    const [row] = await db('users')
      .where({ id })
      .update({ ...changes, updated_at: db.fn.now() })
      .returning<UserRow[]>('*');
    return row ? fromRow(row) : undefined;
  }

  async delete(id: number, trx?: Knex.Transaction): Promise<boolean> {
    return (await (trx ?? this.db)('users').where({ id }).delete()) > 0;
  }

  async countActiveAdmins(trx?: Knex.Transaction): Promise<number> {
    const row = await (trx ?? this.db)('users')
      .where({ role: 'admin' })
      .whereNull('disabled_at')
      .count<{ count: string }[]>({ count: '*' })
      .first();
    return Number(row?.count ?? 0);
  }

  /**
   * Records a TOTP time step as used, only if it is newer than every step used before.
   * The conditional UPDATE makes a replayed or concurrently reused code fail atomically.
   */
  async claimTotpStep(id: number, step: number): Promise<boolean> {
    const updated = await this.db('users').where({ id }).where('totp_last_step', '<', step).update({ totp_last_step: step });
    return updated > 0;
  }
}
