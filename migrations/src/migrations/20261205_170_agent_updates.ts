import type { Knex } from 'knex';

/**
 * Agent self-update (issue #16):
 * - `agent_wanted_versions`: the agent version an admin wants a network's nodes to run — for the
 *   whole network (`tag` = '') or for the nodes carrying one tag — with the release's size and
 *   SHA-256 as they were when it was chosen (signed into each node's config);
 * - `nodes.agent_update`: the last update state a node's agent reported in its status.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('agent_wanted_versions', (t) => {
    t.bigInteger('network_id').notNullable().references('networks.id').onDelete('CASCADE');
    t.text('tag').notNullable().defaultTo('');
    t.text('version').notNullable();
    t.text('sha256').notNullable();
    t.bigInteger('bytes').notNullable();
    t.text('url').notNullable();
    t.text('updated_by');
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['network_id', 'tag']);
  });
  await knex.schema.alterTable('nodes', (t) => {
    t.jsonb('agent_update');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('nodes', (t) => {
    t.dropColumn('agent_update');
  });
  await knex.schema.dropTable('agent_wanted_versions');
}
