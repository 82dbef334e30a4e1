import type { Knex } from 'knex';
import * as identity from './migrations/20261123_001_identity.js';
import * as fleet from './migrations/20261123_002_fleet.js';
import * as nodeExitNode from './migrations/20261205_120_node_exit_node.js';
import * as wireguardKeys from './migrations/20261205_130_wireguard_keys.js';
import * as nodeLastErrorRevision from './migrations/20261205_140_node_last_error_revision.js';
import * as accessPolicy from './migrations/20261205_150_access_policy.js';
import * as oidc from './migrations/20261205_160_oidc.js';
import * as agentUpdates from './migrations/20261205_170_agent_updates.js';

interface Migration {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

/**
 * Every migration, in order. Listed statically rather than globbed from disk so the same
 * list works from TypeScript sources and from the compiled dist/ output.
 */
const migrations: Array<[name: string, migration: Migration]> = [
  ['20261123_001_identity', identity],
  ['20261123_002_fleet', fleet],
  ['20261205_120_node_exit_node', nodeExitNode],
  ['20261205_130_wireguard_keys', wireguardKeys],
  ['20261205_140_node_last_error_revision', nodeLastErrorRevision],
  ['20261205_150_access_policy', accessPolicy],
  ['20261205_160_oidc', oidc],
  ['20261205_170_agent_updates', agentUpdates],
];

export const migrationSource: Knex.MigrationSource<[string, Migration]> = {
  getMigrations: async () => migrations,
  getMigrationName: ([name]) => name,
  getMigration: async ([, migration]) => migration,
};

const config = { migrationSource, tableName: 'knex_migrations' } as const;

/** Applies every pending migration; returns the names applied. */
export async function migrateLatest(knex: Knex): Promise<string[]> {
  const [, applied] = (await knex.migrate.latest(config)) as [number, string[]];
  return applied;
}

/** Rolls back every applied migration (used by tests and `npm run migrate -- down --all`). */
export async function migrateDownAll(knex: Knex): Promise<string[]> {
  const [, reverted] = (await knex.migrate.rollback(config, true)) as [number, string[]];
  return reverted;
}

/** Rolls back the last batch. */
export async function migrateDown(knex: Knex): Promise<string[]> {
  const [, reverted] = (await knex.migrate.rollback(config)) as [number, string[]];
  return reverted;
}

export const migrationNames = migrations.map(([name]) => name);
