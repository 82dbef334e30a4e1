import type { Knex } from 'knex';
import type pg from 'pg';

/** The part of knex's client that lends out its pooled pg connections. */
interface ConnectionLender {
  acquireConnection(): Promise<pg.ClientBase>;
  releaseConnection(connection: pg.ClientBase): Promise<void>;
}

/**
 * A statement Postgres parses and plans once per connection, then only binds and runs: the
 * hot-path variant of `knex.raw`. The text uses `$1…` placeholders; its name is unique in the
 * process (pg keeps one prepared statement per name on each connection).
 */
export interface PreparedStatement {
  name: string;
  text: string;
}

/**
 * Runs `statement` on a connection borrowed from `knex`'s pool, so it shares the pool's size,
 * its settings (e.g. asynchronous commit) and its failures (an unreachable database rejects
 * with the same errors as any knex query, which the error handler maps to 503). Skipped on
 * the way: knex's query builder, its `?` rewriting and its per-query events, which cost more
 * CPU than the statement's own round trip on the refresh path.
 */
export async function runPrepared<Row>(
  knex: Knex,
  statement: PreparedStatement,
  values: readonly unknown[],
): Promise<Row[]> {
  const lender = knex.client as unknown as ConnectionLender;
  const connection = await lender.acquireConnection();
  try {
    const result = await connection.query<Row & pg.QueryResultRow>({
      name: statement.name,
      text: statement.text,
      values: values as unknown[],
    });
    return result.rows;
  } finally {
    await lender.releaseConnection(connection);
  }
}
