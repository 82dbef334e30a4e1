import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/db.js';
import { MIGRATION_CONFIG, migrateUpTo } from './migrate-up-to.test-suite.js';
import { migrateDown, } from './index.js';

const MIGRATION = '20261205_140_node_last_error_revision';

describe(`${MIGRATION} on real Postgres`, () => {
  let db: TestDatabase;
  let networkId: number;
  let host = 1;
  beforeAll(async () => {
    db = await createTestDatabase({ empty: true });
    await migrateUpTo(db, MIGRATION);
    const [row] = await db
      .knex('networks')
      .insert({ name: 'default', cidr: '100.96.0.0/16' })
      .returning('id');
    networkId = Number(row.id);
  });
  afterAll(async () => {
    await db.drop();
  });

  const addNode = async (lastError: string | null): Promise<number> => {
    const [row] = await db
      .knex('nodes')
      .insert({
        network_id: networkId,
        name: `node-${host}`,
        wg_public_key: randomBytes(32).toString('base64'),
        tunnel_ip: `100.96.0.${host++}`,
        secret_hash: randomBytes(32),
        credential_id: randomUUID(),
        last_error: lastError,
      })
      .returning('id');
    return Number(row.id);
  };
  const revisionOf = async (id: number) =>
    (await db.knex('nodes').where({ id }).first('last_error_revision')).last_error_revision;

  it('backfills the revision from the `(revision N)` the message ends with, and only from it', async () => {
    const nodes = {
      failed: await addNode('wg: bad key (revision 7)'),
      quoting: await addNode('apply failed: "x (revision 2)" (revision 12)'),
      midMessage: await addNode('(revision 3) then something else'),
      noSuffix: await addNode('apply failed'),
      healthy: await addNode(null),
    };
    // This migration alone, so the rollback below takes back exactly it.
    await db.knex.migrate.up(MIGRATION_CONFIG);
    expect(await revisionOf(nodes.failed)).toBe('7');
    expect(await revisionOf(nodes.quoting)).toBe('12');
    expect(await revisionOf(nodes.midMessage)).toBeNull();
    expect(await revisionOf(nodes.noSuffix)).toBeNull();
    expect(await revisionOf(nodes.healthy)).toBeNull();
    // The message itself is what the API shows: left as it was.
    expect(await db.knex('nodes').where({ id: nodes.failed }).first('last_error')).toEqual({
      last_error: 'wg: bad key (revision 7)',
    });
  });

  it('down drops the column and keeps the messages', async () => {
    expect(await migrateDown(db.knex)).toEqual([MIGRATION]);
    expect(await db.knex.schema.hasColumn('nodes', 'last_error_revision')).toBe(false);
    expect(await db.knex('nodes').whereNotNull('last_error').count({ n: '*' })).toEqual([{ n: '4' }]);
  });
});
