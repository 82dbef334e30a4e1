import pg from 'pg';
import { assertServicesReachable, TEST_DATABASE_URL } from './services.js';
import { migrateTemplateDatabase, TEMPLATE_PREFIX, TEST_DB_PREFIX, templateName } from './db.js';

/** Databases a crashed run left behind are dropped once they are this old. */
const STALE_AFTER_SECONDS = 2 * 60 * 60;

/**
 * Runs once per `vitest run`: checks the services, removes leftovers of crashed runs, and
 * migrates one template database that every test file clones (CREATE DATABASE … TEMPLATE is
 * far faster than migrating a database per file).
 */
export default async function setup(): Promise<() => Promise<void>> {
  await assertServicesReachable();
  const runId = `${Math.floor(Date.now() / 1000)}_${process.pid}`;
  process.env.WF_TEST_RUN_ID = runId;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE $1 OR datname LIKE $2`,
      [`${TEST_DB_PREFIX}%`, `${TEMPLATE_PREFIX}%`],
    );
    const now = Date.now() / 1000;
    for (const { datname } of rows) {
      const createdAt = Number(datname.replace(/^[a-z_]*?_(\d{10})_.*$/, '$1'));
      if (Number.isFinite(createdAt) && now - createdAt > STALE_AFTER_SECONDS) {
        await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
      }
    }
  } finally {
    await admin.end();
  }
  await migrateTemplateDatabase(runId);
  return async () => {
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS "${templateName(runId)}" WITH (FORCE)`);
    await client.end();
  };
}
