import type { PolicyDocument } from '@wirefleet/shared/schemas';
import type { Knex } from 'knex';

/** One stored version of a network's policy. */
export interface PolicyVersion {
  version: number;
  document: PolicyDocument;
  created_at: Date;
  created_by: string;
}

const POLICY_LOCK = 0x5746_504f; // "WFPO"

/**
 * Serialises, per network, every change that can alter what the policy compiles to (a new
 * policy, a member's tags, a port forward): each compares the compiled result before and
 * after itself, which is only right if no other such change commits in between.
 */
export async function lockPolicy(trx: Knex.Transaction, networkId: number): Promise<void> {
  await trx.raw('SELECT pg_advisory_xact_lock(?, ?)', [POLICY_LOCK, networkId]);
}

/** The policy in force (the newest version), or undefined while none was ever set (version 0). */
export async function currentPolicy(db: Knex | Knex.Transaction, networkId: number): Promise<PolicyVersion | undefined> {
  const row = await db('policy_versions')
    .where({ network_id: networkId })
    .orderBy('version', 'desc')
    .first<PolicyVersion | undefined>('version', 'document', 'created_at', 'created_by');
  return row && { ...row, version: Number(row.version) };
}

export async function policyVersion(
  db: Knex,
  networkId: number,
  version: number,
): Promise<PolicyVersion | undefined> {
  const row = await db('policy_versions')
    .where({ network_id: networkId, version })
    .first<PolicyVersion | undefined>('version', 'document', 'created_at', 'created_by');
  return row && { ...row, version: Number(row.version) };
}

/** Versions newest first, `beforeVersion` being the cursor. */
export async function listPolicyVersions(
  db: Knex,
  networkId: number,
  beforeVersion: number | undefined,
  limit: number,
): Promise<PolicyVersion[]> {
  const rows = await db('policy_versions')
    .where({ network_id: networkId })
    .modify((query) => {
      if (beforeVersion !== undefined) query.where('version', '<', beforeVersion);
    })
    .orderBy('version', 'desc')
    .limit(limit)
    .select<PolicyVersion[]>('version', 'document', 'created_at', 'created_by');
  return rows.map((row) => ({ ...row, version: Number(row.version) }));
}

/** Stores the next version; the caller holds `lockPolicy`, so the number cannot be taken twice. */
export async function insertPolicyVersion(
  trx: Knex.Transaction,
  networkId: number,
  document: PolicyDocument,
  createdBy: string,
): Promise<PolicyVersion> {
  const latest = await currentPolicy(trx, networkId);
  const [row] = await trx('policy_versions')
    .insert({
      network_id: networkId,
      version: (latest?.version ?? 0) + 1,
      document: JSON.stringify(document),
      created_by: createdBy,
    })
    .returning<PolicyVersion[]>(['version', 'document', 'created_at', 'created_by']);
  return { ...row!, version: Number(row!.version) };
}
