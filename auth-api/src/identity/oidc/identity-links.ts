import { WirefleetError } from '@wirefleet/shared/errors';
import type { Knex } from 'knex';

/** A local user's identity at an OpenID Provider. */
export interface OidcIdentity {
  id: number;
  userId: number;
  provider: string;
  issuer: string;
  subject: string;
  email: string | null;
  createdAt: Date;
  lastLoginAt: Date | null;
}

interface IdentityRow {
  id: string;
  user_id: string;
  provider: string;
  issuer: string;
  subject: string;
  email: string | null;
  created_at: Date;
  last_login_at: Date | null;
}

function fromRow(row: IdentityRow): OidcIdentity {
  return {
    id: Number(row.id),
    userId: Number(row.user_id),
    provider: row.provider,
    issuer: row.issuer,
    subject: row.subject,
    email: row.email,
    createdAt: row.created_at,
    lastLoginAt: row.last_login_at,
  };
}

const UNIQUE_VIOLATION = '23505';

/** Links between provider identities `(issuer, subject)` and local users. Email never links. */
export class OidcIdentityLinks {
  constructor(private readonly db: Knex) {}

  async find(issuer: string, subject: string): Promise<OidcIdentity | undefined> {
    const row = await this.db('oidc_identities').where({ issuer, subject }).first<IdentityRow | undefined>();
    return row ? fromRow(row) : undefined;
  }

  async listForUser(userId: number): Promise<OidcIdentity[]> {
    const rows = await this.db('oidc_identities')
      .where({ user_id: userId })
      .orderBy('id')
      .select<IdentityRow[]>('*');
    return rows.map(fromRow);
  }

  /** Links an identity; one already linked (to anyone) is 409 `conflict`. */
  async link(
    input: { userId: number; provider: string; issuer: string; subject: string; email?: string | undefined },
    trx?: Knex.Transaction,
  ): Promise<OidcIdentity> {
    try {
      const [row] = await (trx ?? this.db)('oidc_identities')
        .insert({
          user_id: input.userId,
          provider: input.provider,
          issuer: input.issuer,
          subject: input.subject,
          email: input.email ?? null,
        })
        .returning<IdentityRow[]>('*');
      return fromRow(row!);
    } catch (error) {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION)
        throw new WirefleetError('conflict', { detail: 'that identity is already linked', cause: error });
      throw error;
    }
  }

  async touch(id: number, email: string | undefined): Promise<void> {
    await this.db('oidc_identities')
      .where({ id })
      .update({ last_login_at: this.db.fn.now(), ...(email ? { email } : {}) });
  }

  /** Removes a link; undefined when there was none. */
  async remove(id: number): Promise<OidcIdentity | undefined> {
    const [row] = await this.db('oidc_identities').where({ id }).delete().returning<IdentityRow[]>('*');
    return row ? fromRow(row) : undefined;
  }
}
