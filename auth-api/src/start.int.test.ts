import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { StartupError } from '@wirefleet/shared/config';
import { createLogger } from '@wirefleet/shared/logging';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_USERNAME, login, startTestAuthApi, TEST_ISSUER } from '../../test/support/auth-api.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/db.js';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from '../../test/support/services.js';
import { loadAuthApiConfig } from './config.js';
import { startAuthApi } from './start.js';

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function urlWithDatabase(database: string): string {
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

describe('auth-api start-up errors name the problem and what fixes it', () => {
  let keysDir: string;
  let db: TestDatabase;
  const lines: Array<{ level: string; msg: string }> = [];
  const logger = createLogger({
    service: 'auth-api',
    level: 'debug',
    destination: new Writable({
      write(chunk, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    }),
  });

  beforeAll(async () => {
    keysDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wf-start-keys-'));
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
    fs.rmSync(keysDir, { recursive: true, force: true });
  });

  /** What `startAuthApi` throws with this environment (on top of a working one). */
  async function startFailure(env: Record<string, string>): Promise<StartupError> {
    const { config, secrets } = loadAuthApiConfig({
      AUTH_API_HOST: '127.0.0.1',
      AUTH_API_PORT: '0',
      AUTH_PUBLIC_URL: TEST_ISSUER,
      DATABASE_URL: db.url,
      JWT_KEYS_DIR: keysDir,
      ARGON2_MEMORY_KIB: '1024',
      ARGON2_ITERATIONS: '1',
      ...env,
    });
    const error = await startAuthApi(config, secrets, { logger, background: false }).then(
      async (api) => {
        await api.close();
        return new Error('the auth-api started');
      },
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(StartupError);
    return error as StartupError;
  }

  it('a database that does not exist: create it, or set DATABASE_URL', async () => {
    const error = await startFailure({ DATABASE_URL: urlWithDatabase('wf_no_such_database') });
    expect(error.problem).toMatch(/^database "wf_no_such_database" does not exist on /);
    expect(error.fix).toMatch(/^create it \(createdb .*wf_no_such_database\) or set DATABASE_URL$/);
  });

  it('a database nobody listens for: start Postgres, or set DATABASE_URL', async () => {
    const port = await closedPort();
    const error = await startFailure({
      DATABASE_URL: `postgres://postgres:secret-pw@127.0.0.1:${port}/test`,
    });
    expect(error.message).toBe(
      `cannot reach Postgres at 127.0.0.1:${port} (connection refused: nothing listens there) — start Postgres there or set DATABASE_URL`,
    );
  });

  it('an unreachable Redis: start it, or set REDIS_URL', async () => {
    const port = await closedPort();
    const error = await startFailure({ REDIS_URL: `redis://127.0.0.1:${port}` });
    expect(error.message).toBe(
      `cannot reach Redis at 127.0.0.1:${port} (connection refused: nothing listens there) — start Redis there or set REDIS_URL`,
    );
  });

  it('a port in use: set AUTH_API_PORT', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as net.AddressInfo;
    try {
      const error = await startFailure({ AUTH_API_PORT: String(port) });
      expect(error.message).toBe(
        `port ${port} on 127.0.0.1 is already in use by another process — stop that process or set AUTH_API_PORT to a free port`,
      );
    } finally {
      taken.close();
    }
  });

  it('a first start that fails creates no admin; the next one creates it and shows its password', async () => {
    const fresh = await createTestDatabase();
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      await startFailure({
        DATABASE_URL: fresh.url,
        AUTH_API_PORT: String((taken.address() as net.AddressInfo).port),
      });
      const users = await fresh.knex('users').count<{ count: string }[]>({ count: '*' });
      expect(Number(users[0]!.count)).toBe(0);

      const { config, secrets } = loadAuthApiConfig({
        AUTH_API_HOST: '127.0.0.1',
        AUTH_API_PORT: '0',
        AUTH_PUBLIC_URL: TEST_ISSUER,
        DATABASE_URL: fresh.url,
        JWT_KEYS_DIR: keysDir,
        ARGON2_MEMORY_KIB: '1024',
        ARGON2_ITERATIONS: '1',
      });
      const api = await startAuthApi(config, secrets, { logger, background: false });
      try {
        expect(api.bootstrapAdmin?.username).toBe(ADMIN_USERNAME);
        const password = api.bootstrapAdmin?.generatedPassword;
        expect(password).toEqual(expect.any(String));
        expect((await login(api.url, ADMIN_USERNAME, password)).access_token).toEqual(expect.any(String));
        // The password went to the caller only, never into a log line.
        expect(JSON.stringify(lines)).not.toContain(password);
      } finally {
        await api.close();
      }
    } finally {
      taken.close();
      await fresh.drop();
    }
  });
});

describe('a normal start is quiet', () => {
  it('logs nothing at warn or above with Postgres and Redis up', async () => {
    const t = await startTestAuthApi();
    try {
      expect(t.url).toMatch(/^http:/);
      expect(TEST_REDIS_URL).toBeTruthy();
      const loud = t.logLines
        .map((line) => JSON.parse(line) as { level: string; msg: string })
        .filter((line) => ['warn', 'error', 'fatal'].includes(line.level));
      expect(loud).toEqual([]);
    } finally {
      await t.close();
    }
  });
});
