import { access, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import knexFactory, { type Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateDownAll, migrateLatest } from '@wirefleet/migrations';
import { type EmbeddedPostgres, startEmbeddedPostgres } from './embedded-postgres.js';

// PGlite's first start runs initdb inside WebAssembly: several seconds.
const SLOW = 120_000;

function connect(db: EmbeddedPostgres, extra: Partial<Knex.Config> = {}): Knex {
  return knexFactory({
    client: 'pg',
    connection: db.url,
    pool: { min: 0, max: db.maxConnections },
    ...extra,
  });
}

async function publicTables(knex: Knex): Promise<string[]> {
  const { rows } = await knex.raw<{ rows: Array<{ tablename: string }> }>(
    `SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`,
  );
  return rows.map((r) => r.tablename);
}

function user(username: string) {
  return { username, password_hash: 'not-a-real-hash', role: 'admin' };
}

describe('startEmbeddedPostgres', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'wf-embedded-pg-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it(
    'runs the real migrations, enforces the audit trigger and persists across restarts',
    async () => {
      const dataDir = path.join(dir, 'nested', 'pglite');
      // A lock left by a crashed run whose pid came back as ours (a restarted container) is stale.
      await mkdir(dataDir, { recursive: true });
      await writeFile(path.join(dataDir, 'wirefleet.lock'), `${process.pid}\n`);
      const first = await startEmbeddedPostgres({ dataDir });
      expect(first.url).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
      expect(first.maxConnections).toBe(1);
      let knex = connect(first);
      try {
        await migrateLatest(knex);
        expect(await publicTables(knex)).toEqual(
          expect.arrayContaining(['audit_events', 'refresh_tokens', 'sessions', 'users']),
        );

        // The append-only trigger is plpgsql: proves PGlite ships the language.
        await knex('audit_events').insert({ type: 'test.event', data: { a: 1 } });
        await expect(knex('audit_events').update({ type: 'tampered' })).rejects.toThrow(/append-only/);
        await expect(knex('audit_events').del()).rejects.toThrow(/append-only/);

        await migrateDownAll(knex);
        expect(await publicTables(knex)).toEqual(['knex_migrations', 'knex_migrations_lock']);

        await migrateLatest(knex);
        await knex('users').insert(user('persisted'));
        // gen_random_uuid() is core since PG 13: no extension needed.
        const { rows } = await knex.raw<{ rows: Array<{ id: string }> }>('SELECT gen_random_uuid() AS id');
        expect(rows[0]?.id).toMatch(/^[0-9a-f-]{36}$/);
      } finally {
        await knex.destroy();
        await first.close();
      }

      const second = await startEmbeddedPostgres({ dataDir });
      knex = connect(second);
      try {
        const users = await knex('users').select('username', 'role');
        expect(users).toEqual([{ username: 'persisted', role: 'admin' }]);
        expect(await migrateLatest(knex)).toEqual([]);
      } finally {
        await knex.destroy();
        await second.close();
      }
      await expect(access(path.join(dataDir, 'wirefleet.lock'))).rejects.toThrow(/ENOENT/);
    },
    SLOW,
  );

  describe('transactions through the socket (pool of 1)', () => {
    let db: EmbeddedPostgres;
    let knex: Knex;

    beforeAll(async () => {
      db = await startEmbeddedPostgres({ dataDir: path.join(dir, 'tx') });
      knex = connect(db);
      await migrateLatest(knex);
    }, SLOW);

    afterAll(async () => {
      await knex?.destroy();
      await db?.close();
    });

    it('queues a concurrent plain query behind an open transaction instead of deadlocking', async () => {
      let plain: Promise<Array<{ username: string }>> = Promise.resolve([]);
      const committed = knex.transaction(async (trx) => {
        await trx('users').insert(user('tx-a'));
        // Not awaited here: it needs the pool's only connection, which the transaction holds.
        plain = knex('users').select('username').whereLike('username', 'tx-%').orderBy('username');
        await sleep(100);
        await trx('users').insert(user('tx-b'));
        return 'committed';
      });
      await expect(committed).resolves.toBe('committed');
      // It ran after COMMIT, so it sees both rows.
      expect(await plain).toEqual([{ username: 'tx-a' }, { username: 'tx-b' }]);
    });

    it('rolls back through the socket', async () => {
      await expect(
        knex.transaction(async (trx) => {
          await trx('users').insert(user('rolled-back'));
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      expect(await knex('users').where({ username: 'rolled-back' })).toEqual([]);
    });

    it('fails fast, not forever, when code awaits a non-trx query inside a transaction', async () => {
      // The classic pool-of-1 bug. With pglite-socket multiplexing the same code would hang
      // with no timeout; with one pooled connection knex's acquire timeout turns it into an error.
      const knexWarnings: unknown[] = [];
      const strict = connect(db, {
        acquireConnectionTimeout: 500,
        log: { warn: (m: unknown) => knexWarnings.push(m) },
      });
      try {
        await strict.transaction(async (trx) => {
          await trx('users').insert(user('nested'));
          await expect(strict('users').count({ n: '*' })).rejects.toThrow(/Timeout acquiring a connection/);
        });
        expect(await strict('users').where({ username: 'nested' }).select('role')).toEqual([
          { role: 'admin' },
        ]);
        expect(knexWarnings).toEqual([expect.stringMatching(/^Acquire connection error/)]);
      } finally {
        await strict.destroy();
      }
    });

    it('refuses a second start on a data dir that is in use', async () => {
      await expect(startEmbeddedPostgres({ dataDir: path.join(dir, 'tx') })).rejects.toThrow(
        /in use by process/,
      );
      // The refused start must not have disturbed the running instance.
      expect(await knex('users').count({ n: '*' })).toHaveLength(1);
    });
  });
});
