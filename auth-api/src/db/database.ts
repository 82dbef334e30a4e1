import type { Logger } from '@wirefleet/shared/logging';
import knexFactory, { type Knex } from 'knex';
import pg from 'pg';
import { startEmbeddedPostgres } from './embedded-postgres.js';

// Postgres BIGINT (int8) arrives as a string by default; every id here fits in 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export interface Database {
  knex: Knex;
  /**
   * A second pool whose commits do not wait for the WAL flush (`synchronous_commit = off`).
   * Only for writes whose loss in a database crash is harmless: refresh rotation (a lost
   * rotation means the client's new token is unknown and it logs in again). On this machine
   * the fsync wait was 95 % of a refresh's time in the database.
   */
  relaxed: Knex;
  /** True when running on the embedded PGlite (single process only). */
  embedded: boolean;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * Connects to DATABASE_URL, or starts the embedded PGlite under `dataDir` when there is none.
 * Both speak the Postgres wire protocol, so everything above this line is the same code.
 */
export async function openDatabase(options: {
  databaseUrl: string | undefined;
  dataDir: string;
  poolMax?: number;
  logger: Logger;
}): Promise<Database> {
  if (options.databaseUrl) {
    const knex = knexFactory({
      client: 'pg',
      connection: options.databaseUrl,
      pool: { min: 0, max: options.poolMax ?? 10 },
    });
    const relaxed = knexFactory({
      client: 'pg',
      connection: options.databaseUrl,
      pool: {
        min: 0,
        max: options.poolMax ?? 10,
        afterCreate: (connection: pg.Client, done: (error: Error | null, connection: pg.Client) => void) => {
          connection.query('SET synchronous_commit = off', (error) => done(error ?? null, connection));
        },
      },
    });
    return {
      knex,
      relaxed,
      embedded: false,
      ping: () => ping(knex),
      async close() {
        await Promise.all([knex.destroy(), relaxed.destroy()]);
      },
    };
  }
  const embedded = await startEmbeddedPostgres({ dataDir: `${options.dataDir}/pglite`, logger: options.logger });
  // One connection: a query issued outside a held transaction must fail fast, not wait a minute.
  const knex = knexFactory({
    client: 'pg',
    connection: embedded.url,
    pool: { min: 0, max: embedded.maxConnections },
    acquireConnectionTimeout: 10_000,
  });
  options.logger.info({ dataDir: options.dataDir }, 'using the embedded PGlite database (single-process mode)');
  return {
    knex,
    // PGlite has one connection and no WAL flush worth avoiding: the same handle serves both.
    relaxed: knex,
    embedded: true,
    ping: () => ping(knex),
    async close() {
      await knex.destroy();
      await embedded.close();
    },
  };
}

async function ping(knex: Knex): Promise<boolean> {
  try {
    await knex.raw('SELECT 1');
    return true;
  } catch {
    // Readiness only asks yes or no; the failing query is logged by whoever uses the pool.
    return false;
  }
}
