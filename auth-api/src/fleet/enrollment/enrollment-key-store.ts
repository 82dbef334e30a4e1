import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { CreateEnrollmentKeyRequest } from '@wirefleet/shared/schemas';
import type { Knex } from 'knex';

export type EnrollmentKeyState = 'created' | 'used' | 'expired' | 'revoked';

export interface PublicEnrollmentKey {
  id: string;
  /** First characters of the key, so people can tell keys apart; not enough to use one. */
  prefix: string;
  reusable: boolean;
  max_uses: number | null;
  uses: number;
  tags: string[];
  state: EnrollmentKeyState;
  expires_at: string;
  created_at: string;
  last_used_at: string | null;
  created_by: string | null;
}

interface KeyRow {
  id: string;
  prefix: string;
  reusable: boolean;
  max_uses: number | null;
  uses: number;
  tags: string[];
  expires_at: Date;
  revoked_at: Date | null;
  created_at: Date;
  last_used_at: Date | null;
  created_by: string | null;
}

/** Keys look like `wfek_<prefix>_<secret>`: the prefix finds the row, the secret proves possession. */
const KEY_PATTERN = /^wfek_([A-Za-z0-9]{12})_([A-Za-z0-9_-]{43})$/;

function hashSecret(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}

function stateOf(row: KeyRow, now: Date): EnrollmentKeyState {
  if (row.revoked_at) return 'revoked';
  if (row.max_uses !== null && row.uses >= row.max_uses) return 'used';
  if (row.expires_at <= now) return 'expired';
  return 'created';
}

function toPublic(row: KeyRow, now = new Date()): PublicEnrollmentKey {
  return {
    id: row.id,
    prefix: row.prefix,
    reusable: row.reusable,
    max_uses: row.max_uses,
    uses: row.uses,
    tags: row.tags,
    state: stateOf(row, now),
    expires_at: row.expires_at.toISOString(),
    created_at: row.created_at.toISOString(),
    last_used_at: row.last_used_at?.toISOString() ?? null,
    created_by: row.created_by,
  };
}

/** Enrollment keys: stored as prefix + SHA-256 of the secret, consumed by one conditional UPDATE. */
export class EnrollmentKeyStore {
  constructor(private readonly db: Knex) {}

  async create(input: CreateEnrollmentKeyRequest, createdBy: string, trx?: Knex.Transaction): Promise<PublicEnrollmentKey & { key: string }> {
    const prefix = randomBytes(9).toString('base64url').replace(/[-_]/g, 'x').slice(0, 12);
    const secret = randomBytes(32).toString('base64url');
    const [row] = await (trx ?? this.db)('enrollment_keys')
      .insert({
        id: randomUUID(),
        prefix,
        secret_hash: hashSecret(secret),
        reusable: input.reusable,
        max_uses: input.reusable ? (input.max_uses ?? null) : 1,
        tags: input.tags,
        expires_at: new Date(Date.now() + input.ttl_seconds * 1000),
        created_by: createdBy,
      })
      .returning<KeyRow[]>('*');
    return { ...toPublic(row!), key: `wfek_${prefix}_${secret}` };
  }

  async list(afterCreatedId: string | undefined, limit: number): Promise<PublicEnrollmentKey[]> {
    const rows = await this.db('enrollment_keys')
      .modify((q) => {
        if (afterCreatedId) q.where('id', '>', afterCreatedId);
      })
      .orderBy('id')
      .limit(limit)
      .select<KeyRow[]>('*');
    return rows.map((row) => toPublic(row));
  }

  async revoke(id: string, trx: Knex.Transaction): Promise<PublicEnrollmentKey | undefined> {
    const [row] = await trx('enrollment_keys')
      .where({ id })
      .update({ revoked_at: trx.raw('coalesce(revoked_at, now())') })
      .returning<KeyRow[]>('*');
    return row ? toPublic(row) : undefined;
  }

  /**
   * Spends one use of `key` atomically: a conditional UPDATE, never read-then-write. Of N
   * concurrent uses of a one-time key, the first holds the row lock until its transaction
   * ends and every other re-checks `uses < max_uses` and matches nothing.
   */
  async consume(trx: Knex.Transaction, key: string): Promise<{ id: string; tags: string[] } | undefined> {
    const match = KEY_PATTERN.exec(key);
    if (!match) return undefined;
    const [row] = await trx('enrollment_keys')
      .where({ prefix: match[1], secret_hash: hashSecret(match[2]!) })
      .whereNull('revoked_at')
      .where('expires_at', '>', trx.fn.now())
      .where((q) => q.whereNull('max_uses').orWhereRaw('uses < max_uses'))
      .update({ uses: trx.raw('uses + 1'), last_used_at: trx.fn.now() })
      .returning<Array<{ id: string; tags: string[] }>>(['id', 'tags']);
    return row;
  }
}
