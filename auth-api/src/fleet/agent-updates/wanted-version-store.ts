import type { Knex } from 'knex';

/** One choice of agent version: for the whole network (`tag` null) or for the nodes with a tag. */
export interface WantedVersion {
  tag: string | null;
  version: string;
  sha256: string;
  bytes: number;
  /** Where agents download it, relative to the API. */
  url: string;
  updated_by: string | null;
  updated_at: string;
}

interface WantedRow {
  tag: string;
  version: string;
  sha256: string;
  bytes: number | string;
  url: string;
  updated_by: string | null;
  updated_at: Date;
}

const toWanted = (row: WantedRow): WantedVersion => ({
  tag: row.tag === '' ? null : row.tag,
  version: row.version,
  sha256: row.sha256,
  bytes: Number(row.bytes),
  url: row.url,
  updated_by: row.updated_by,
  updated_at: row.updated_at.toISOString(),
});

/** The network's choices, the network-wide one first, then by tag. */
export async function listWantedVersions(db: Knex, networkId: number): Promise<WantedVersion[]> {
  const rows = await db('agent_wanted_versions')
    .where({ network_id: networkId })
    .orderBy('tag')
    .select<WantedRow[]>();
  return rows.map(toWanted);
}

/**
 * The agent update a node's config carries: the choice for one of its tags (the most recently
 * set, when several of its tags have one), else the network's; undefined when neither is set.
 */
export async function wantedUpdateFor(
  db: Knex,
  networkId: number,
  tags: readonly string[],
): Promise<{ version: string; sha256: string; bytes: number; url: string } | undefined> {
  const row = await db('agent_wanted_versions')
    .where({ network_id: networkId })
    .whereIn('tag', ['', ...tags])
    .orderByRaw("(tag = '') ASC, updated_at DESC")
    .first<WantedRow | undefined>();
  return row && { version: row.version, sha256: row.sha256, bytes: Number(row.bytes), url: row.url };
}

/** Sets (or with `version` undefined clears) the choice for `tag` ('' = the network). */
export async function saveWantedVersion(
  trx: Knex.Transaction,
  networkId: number,
  tag: string,
  wanted: { version: string; sha256: string; bytes: number; url: string } | undefined,
  actor: string,
): Promise<void> {
  if (wanted === undefined) {
    await trx('agent_wanted_versions').where({ network_id: networkId, tag }).delete();
    return;
  }
  await trx('agent_wanted_versions')
    .insert({ network_id: networkId, tag, ...wanted, updated_by: actor, updated_at: trx.fn.now() })
    .onConflict(['network_id', 'tag'])
    .merge();
}
