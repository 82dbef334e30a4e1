/**
 * The refresh rotation's SQL without the service around it: the floor the issue asks for (one
 * `UPDATE … RETURNING` plus one `INSERT` from a bare pg client) and the rotation statement as
 * the auth-api ran it before (knex.raw) and runs it now (prepared, `runPrepared`), each at the
 * same concurrency on a database of its own.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import knexFactory, { type Knex } from 'knex';
import pg from 'pg';
import { runPrepared } from '../../../auth-api/src/platform/db/index.js';
import { closedLoop, type LoadResult } from './load.js';
import { createTestDatabase, ensureTemplateDatabase, type TestDatabase } from './services.js';

const hashOf = (token: string) => createHash('sha256').update(token).digest();
const newToken = () => `wfr_${randomBytes(32).toString('base64url')}`;

/** The rotation statement as it is in identity/sessions/session-store.ts, with `$n` placeholders. */
export const ROTATION_SQL = `WITH spent AS (
    UPDATE refresh_tokens t SET rotated_at = now()
      FROM sessions s JOIN users u ON u.id = s.user_id
     WHERE t.token_hash = $1 AND t.rotated_at IS NULL AND t.expires_at > now()
       AND s.id = t.session_id AND s.revoked_at IS NULL AND s.absolute_expires_at > now()
       AND u.disabled_at IS NULL
    RETURNING t.session_id, s.user_id, u.role, s.absolute_expires_at
  ), fresh AS (
    INSERT INTO refresh_tokens (id, session_id, token_hash, expires_at)
    SELECT $2, session_id, $3, LEAST(now() + make_interval(secs => $4), absolute_expires_at) FROM spent
    RETURNING expires_at
  )
  SELECT spent.session_id, spent.user_id, spent.role,
         GREATEST(0, floor(extract(epoch FROM fresh.expires_at - now())))::int AS expires_in
    FROM spent, fresh`;

const FLOOR_UPDATE = {
  name: 'bench_floor_update',
  text: `UPDATE refresh_tokens SET rotated_at = now()
          WHERE token_hash = $1 AND rotated_at IS NULL AND expires_at > now()
          RETURNING session_id`,
};
const FLOOR_INSERT = {
  name: 'bench_floor_insert',
  text: `INSERT INTO refresh_tokens (id, session_id, token_hash, expires_at)
         VALUES ($1, $2, $3, now() + interval '30 days')`,
};

const TTL_SECONDS = 30 * 24 * 3600;

/** One way to spend a chain's current token and store its successor. */
export type Rotation = (currentHash: Buffer, nextHash: Buffer) => Promise<boolean>;

export interface RotationBench {
  database: TestDatabase;
  /** The bare pg pool of the floor and the auth-api's kind of knex pool, both asynchronous-commit. */
  pool: pg.Pool;
  knex: Knex;
  floor: Rotation;
  knexRaw: Rotation;
  prepared: Rotation;
  /** Runs `rotation` over `chains` concurrent token chains for `durationMs`. */
  run(rotation: Rotation, durationMs: number): Promise<LoadResult>;
  close(): Promise<void>;
}

/** Each pool as the auth-api's rotation pool: 10 connections with `synchronous_commit = off`. */
const POOL_SIZE = 10;

async function seed(pool: pg.Pool, chains: number): Promise<Buffer[]> {
  const { rows } = await pool.query<{ id: number }>(
    `INSERT INTO users (username, password_hash, role) VALUES ('bench', 'x', 'admin') RETURNING id`,
  );
  const hashes: Buffer[] = [];
  for (let index = 0; index < chains; index += 1) {
    const sid = randomUUID();
    await pool.query(
      `INSERT INTO sessions (id, user_id, absolute_expires_at) VALUES ($1, $2, now() + interval '30 days')`,
      [sid, rows[0]!.id],
    );
    const hash = hashOf(newToken());
    await pool.query(FLOOR_INSERT, [randomUUID(), sid, hash]);
    hashes.push(hash);
  }
  return hashes;
}

/** A database with `chains` live sessions, and the three ways to rotate their tokens. */
export async function openRotationBench(chains: number): Promise<RotationBench> {
  await ensureTemplateDatabase();
  const database = await createTestDatabase();
  const relaxed = (client: pg.Client) => client.query('SET synchronous_commit = off');
  const pool = new pg.Pool({ connectionString: database.url, max: POOL_SIZE });
  pool.on('connect', (client) => void relaxed(client));
  const knex = knexFactory({
    client: 'pg',
    connection: database.url,
    pool: {
      min: 0,
      max: POOL_SIZE,
      afterCreate: (client: pg.Client, done: (error: Error | null, client: pg.Client) => void) => {
        relaxed(client).then(
          () => done(null, client),
          (error: Error) => done(error, client),
        );
      },
    },
  });
  const current = await seed(pool, chains);
  const floor: Rotation = async (hash, next) => {
    const spent = await pool.query<{ session_id: string }>(FLOOR_UPDATE, [hash]);
    const sid = spent.rows[0]?.session_id;
    if (!sid) return false;
    await pool.query(FLOOR_INSERT, [randomUUID(), sid, next]);
    return true;
  };
  const knexRaw: Rotation = async (hash, next) => {
    const sql = ROTATION_SQL.replace(/\$\d/g, '?');
    const { rows } = await knex.raw<{ rows: unknown[] }>(sql, [hash, randomUUID(), next, TTL_SECONDS]);
    return rows.length === 1;
  };
  const statement = { name: 'bench_rotation', text: ROTATION_SQL };
  const prepared: Rotation = async (hash, next) =>
    (await runPrepared(knex, statement, [hash, randomUUID(), next, TTL_SECONDS])).length === 1;
  const run = (rotation: Rotation, durationMs: number) =>
    closedLoop({
      concurrency: chains,
      durationMs,
      step: async (index) => {
        const started = process.hrtime.bigint();
        const next = hashOf(newToken());
        if (!(await rotation(current[index]!, next)))
          throw new Error('a chain broke: its token was not live');
        current[index] = next;
        return { status: 200, ms: Number(process.hrtime.bigint() - started) / 1e6 };
      },
    });
  return {
    database,
    pool,
    knex,
    floor,
    knexRaw,
    prepared,
    run,
    async close() {
      await Promise.all([pool.end(), knex.destroy()]);
      await database.drop();
    },
  };
}
