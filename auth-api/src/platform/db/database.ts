import { type Logger, subsystemLogger } from '@wirefleet/shared/logging';
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
  /** Resolves true when the database answers; rejects with the reason when it does not. */
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
  /** The service's root logger; the database takes its own subsystem logger from it. */
  logger: Logger;
}): Promise<Database> {
  const logger = subsystemLogger(options.logger, 'db');
  if (options.databaseUrl) {
    const connection = connectionSettings(options.databaseUrl);
    const log = knexLog(logger);
    const knex = knexFactory({
      client: 'pg',
      connection,
      log,
      pool: { min: 0, max: options.poolMax ?? 10 },
    });
    const relaxed = knexFactory({
      client: 'pg',
      connection,
      log,
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
  return openEmbedded(options.dataDir, logger);
}

/** The embedded PGlite under `dataDir`, for a single process without DATABASE_URL. */
async function openEmbedded(dataDir: string, logger: Logger): Promise<Database> {
  const embedded = await startEmbeddedPostgres({ dataDir: `${dataDir}/pglite`, logger });
  // One connection: a query issued outside a held transaction must fail fast, not wait a minute.
  const knex = knexFactory({
    client: 'pg',
    connection: embedded.url,
    log: knexLog(logger),
    pool: { min: 0, max: embedded.maxConnections },
    acquireConnectionTimeout: 10_000,
  });
  logger.info({ dataDir }, 'using the embedded PGlite database (single-process mode)');
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

/**
 * A connection attempt gives up after 5 s: without a limit, a Postgres host that drops packets
 * holds every request for the pool's whole acquire timeout (60 s) before it can answer 503.
 * Keep-alive lets a connection to a host that vanished fail instead of hanging.
 */
function connectionSettings(databaseUrl: string): Knex.PgConnectionConfig {
  return { connectionString: databaseUrl, connectionTimeoutMillis: 5_000, keepAlive: true };
}

/**
 * knex's own warnings into the service log. A failed connection attempt is reported by whoever
 * asked for it (503 to the client, readiness, start-up error), so knex's copy, with a stack,
 * goes to debug rather than once per request at warn.
 */
function knexLog(db: Logger): Knex.Logger {
  return {
    warn: (message: string) =>
      message.startsWith('Acquire connection error') ? db.debug(message) : db.warn(message),
    error: (message: string) => db.error(message),
    deprecate: (message: string) => db.warn(message),
    debug: (message: string) => db.debug(message),
  };
}

async function ping(knex: Knex): Promise<boolean> {
  // The rejection carries why (refused, terminated, pool timeout): readiness logs it on a change.
  await knex.raw('SELECT 1');
  return true;
}
