import pg from 'pg';
import { migrateTemplateDatabase, templateName } from '../../support/db.js';
import { assertServicesReachable, TEST_DATABASE_URL } from '../../support/services.js';

export { createTestDatabase, type TestDatabase } from '../../support/db.js';
export { createTestRedis, type TestRedis } from '../../support/redis.js';

let template: Promise<void> | undefined;

/**
 * Migrates one template database per bench run, on first need (suites that need no database
 * pay nothing). Outside vitest nobody sets WF_TEST_RUN_ID, so this does; the id has the
 * `<unix seconds>_<pid>` shape the test global-setup recognises, so a crashed run's leftovers
 * are removed by the next test run once they are two hours old.
 */
export function ensureTemplateDatabase(): Promise<void> {
  template ??= (async () => {
    await assertServicesReachable();
    process.env.WF_TEST_RUN_ID ??= `${Math.floor(Date.now() / 1000)}_${process.pid}`;
    await migrateTemplateDatabase(process.env.WF_TEST_RUN_ID);
  })();
  return template;
}

/** Drops the template if this run made one. */
export async function releaseTemplateDatabase(): Promise<void> {
  if (!template || !process.env.WF_TEST_RUN_ID) return;
  await template.catch(() => undefined);
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${templateName(process.env.WF_TEST_RUN_ID)}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
  template = undefined;
}
