import type { Knex } from 'knex';

/**
 * Access policy (CONTRACT §8, issue 14):
 * - `tags` on devices, as nodes have had since the start (copied from their enrollment key):
 *   the names policy selectors match.
 * - `policy_versions`: every version of the network's policy document, kept whole with who
 *   made it and when. The newest row is the policy in force; no row is version 0, the full
 *   mesh. Reverting is a new version with an old document, so history is never rewritten.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('devices', (t) => {
    t.specificType('tags', 'text[]').notNullable().defaultTo('{}');
  });
  await knex.schema.createTable('policy_versions', (t) => {
    t.bigInteger('network_id').notNullable().references('networks.id').onDelete('CASCADE');
    t.integer('version').notNullable();
    t.jsonb('document').notNullable();
    t.text('created_by').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['network_id', 'version']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('policy_versions');
  await knex.schema.alterTable('devices', (t) => {
    t.dropColumn('tags');
  });
}
