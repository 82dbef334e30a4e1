import type { Knex } from 'knex';

/**
 * `nodes.exit_node`: set by an admin, it lets a node carry a default route (`0.0.0.0/0`) or any
 * route wider than a /8. Without it such a route would pull every other node's Internet traffic
 * into the tunnel (issue 12; CONTRACT §4). False for every existing node.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('nodes', (t) => {
    t.boolean('exit_node').notNullable().defaultTo(false);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('nodes', (t) => {
    t.dropColumn('exit_node');
  });
}
