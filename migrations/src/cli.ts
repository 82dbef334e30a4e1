import knexFactory from 'knex';
import { migrateDown, migrateDownAll, migrateLatest } from './index.js';

/** `npm run migrate [-- up|down|down --all]` against DATABASE_URL. */
const usage = 'usage: npm run migrate -- [up | down | down --all]   (needs DATABASE_URL)';
const [command = 'up', flag] = process.argv.slice(2);
const url = process.env.DATABASE_URL;
if (!url) {
  console.error(`DATABASE_URL: required (a postgres:// URL)\n${usage}`);
  process.exit(2);
}
if (!['up', 'down'].includes(command) || (flag !== undefined && flag !== '--all')) {
  console.error(usage);
  process.exit(2);
}
const knex = knexFactory({ client: 'pg', connection: url, pool: { min: 0, max: 1 } });
try {
  const names =
    command === 'up' ? await migrateLatest(knex) : flag === '--all' ? await migrateDownAll(knex) : await migrateDown(knex);
  console.log(names.length === 0 ? 'nothing to do' : `${command === 'up' ? 'applied' : 'reverted'}: ${names.join(', ')}`);
} catch (error) {
  console.error(`migration failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await knex.destroy();
}
