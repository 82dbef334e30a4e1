import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/db.js';
import { migrateDownAll, migrateLatest, migrationNames } from './index.js';

const TABLES = [
  'users',
  'sessions',
  'refresh_tokens',
  'audit_events',
  'networks',
  'enrollment_keys',
  'nodes',
  'devices',
  'ip_allocations',
  'port_forwards',
  'service_templates',
  'commands',
  'outbox_events',
];

async function tables(db: TestDatabase): Promise<string[]> {
  const rows = await db.knex('information_schema.tables').where({ table_schema: 'public' }).select('table_name');
  return rows.map((row) => row.table_name as string).sort();
}

describe('migrations on real Postgres', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ empty: true });
  });
  afterAll(async () => {
    await db.drop();
  });

  it('up creates every table, down removes them all, up again works', async () => {
    expect(await migrateLatest(db.knex)).toEqual(migrationNames);
    expect(await tables(db)).toEqual(expect.arrayContaining(TABLES));
    expect(await migrateLatest(db.knex)).toEqual([]);

    expect(await migrateDownAll(db.knex)).toEqual([...migrationNames].reverse());
    const left = await tables(db);
    for (const table of TABLES) expect(left).not.toContain(table);

    expect(await migrateLatest(db.knex)).toEqual(migrationNames);
  });

  it('the audit log is append-only at the database level', async () => {
    await db.knex('audit_events').insert({ type: 'test.event' });
    await expect(db.knex('audit_events').update({ type: 'tampered' })).rejects.toThrow(/append-only/);
    await expect(db.knex('audit_events').delete()).rejects.toThrow(/append-only/);
  });

  it('usernames are unique regardless of case', async () => {
    await db.knex('users').insert({ username: 'Alice', password_hash: 'x', role: 'viewer' });
    await expect(db.knex('users').insert({ username: 'alice', password_hash: 'x', role: 'viewer' })).rejects.toThrow(/unique/);
  });
});
