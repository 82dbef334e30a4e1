import { randomBytes } from 'node:crypto';
import knexFactory, { type Knex } from 'knex';
import pg from 'pg';
import { migrateLatest } from '@wirefleet/migrations';
import { TEST_DATABASE_URL } from './services.js';

export const TEST_DB_PREFIX = 'wf_t_';
export const TEMPLATE_PREFIX = 'wf_tpl_';

export function templateName(runId: string): string {
  return `${TEMPLATE_PREFIX}${runId}`;
}

function urlFor(database: string): string {
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function migrateTemplateDatabase(runId: string): Promise<void> {
  const name = templateName(runId);
  await withAdmin((client) => client.query(`CREATE DATABASE "${name}"`));
  const knex = knexFactory({ client: 'pg', connection: urlFor(name) });
  try {
    await migrateLatest(knex);
  } finally {
    await knex.destroy();
  }
}

export interface TestDatabase {
  name: string;
  url: string;
  /** A knex handle for assertions; the service under test opens its own pool. */
  knex: Knex;
  drop(): Promise<void>;
}

/**
 * A fresh, migrated database for one test file, cloned from the run's template.
 * `empty: true` gives an unmigrated database (for migration tests).
 */
export async function createTestDatabase(options: { empty?: boolean } = {}): Promise<TestDatabase> {
  const runId = process.env.WF_TEST_RUN_ID ?? 'adhoc';
  const name = `${TEST_DB_PREFIX}${Math.floor(Date.now() / 1000)}_${randomBytes(4).toString('hex')}`;
  const template = options.empty ? 'template0' : templateName(runId);
  await withAdmin((client) => client.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`));
  const url = urlFor(name);
  const knex = knexFactory({ client: 'pg', connection: url, pool: { min: 0, max: 4 } });
  return {
    name,
    url,
    knex,
    async drop() {
      await knex.destroy();
      await withAdmin((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}
