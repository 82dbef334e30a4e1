import type { Knex } from 'knex';

/**
 * `nodes.last_error_revision`: the configuration revision whose failed apply `last_error`
 * reports. The ingest processor orders config.applied reports by it (an old success must not
 * clear a newer failure, an old failure must not replace a newer one); until now it parsed
 * the revision back out of the message's `(revision N)` suffix, so rewording the message
 * would have silently broken that ordering (issue 13).
 *
 * Backfilled from that suffix. An error without one stays NULL, which orders it before every
 * revision, as the parser did.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('nodes', (t) => {
    t.bigInteger('last_error_revision');
  });
  await knex.raw(String.raw`
    UPDATE nodes SET last_error_revision = substring(last_error FROM '\(revision (\d{1,18})\)$')::bigint
    WHERE last_error ~ '\(revision \d{1,18}\)$'`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('nodes', (t) => {
    t.dropColumn('last_error_revision');
  });
}
