import type { Knex } from 'knex';
import type { TestDatabase } from '../../test/support/db.js';
import { migrationSource } from './index.js';

/** The knex migration settings the migration tests use (the project's source, its table). */
export const MIGRATION_CONFIG: Knex.MigratorConfig = { migrationSource, tableName: 'knex_migrations' };

/** Applies migrations one by one until `name` is the next pending one. */
export async function migrateUpTo(db: TestDatabase, name: string): Promise<void> {
  for (;;) {
    const [, pending] = (await db.knex.migrate.list(MIGRATION_CONFIG)) as [
      unknown[],
      Array<[string, unknown]>,
    ];
    if (pending[0]?.[0] === name) return;
    if (pending.length === 0) throw new Error(`${name} is not pending`);
    await db.knex.migrate.up(MIGRATION_CONFIG);
  }
}
