import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './support/db.js';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from './support/services.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

interface Exit {
  code: number | null;
  lines: Array<Record<string, unknown>>;
  stdout: string;
  stderr: string;
}

/** Starts a service's main.ts as `npm start -w …` would, and waits for it to give up. */
function runService(main: string, env: Record<string, string>): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', main], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? os.tmpdir(), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // A service that starts after all is a failure of the test: stop it rather than hang.
    const guard = setTimeout(() => child.kill('SIGKILL'), 25_000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(guard);
      const lines = stdout
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      resolve({ code, lines, stdout, stderr });
    });
  });
}

/** One fatal JSON line saying `message`, nothing else on either stream, no stack trace anywhere. */
function expectOneActionableLine(exit: Exit, exitCode: number, message: RegExp): void {
  expect(exit.code).toBe(exitCode);
  expect(exit.lines).toEqual([
    expect.objectContaining({ level: 'fatal', msg: expect.stringMatching(message) }),
  ]);
  expect(exit.stdout.trim().split('\n')).toHaveLength(1);
  expect(exit.stderr).toBe('');
  expect(exit.stdout).not.toMatch(/\bat .*\.(ts|js):\d+/);
}

function databaseUrl(database: string): string {
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

describe('start-up errors, as an operator sees them', () => {
  let taken: net.Server;
  let takenPort: number;
  let keysDir: string;
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    keysDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wf-start-errors-'));
    taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    takenPort = (taken.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    await db.drop();
    taken.close();
    fs.rmSync(keysDir, { recursive: true, force: true });
  });

  it('auth-api on a database that does not exist → exit 1, "createdb … or set DATABASE_URL"', async () => {
    const exit = await runService('auth-api/src/main.ts', {
      DATABASE_URL: databaseUrl('wf_missing_db'),
      JWT_KEYS_DIR: keysDir,
    });
    expectOneActionableLine(
      exit,
      1,
      /^database "wf_missing_db" does not exist on .* — create it \(createdb .*wf_missing_db\) or set DATABASE_URL$/,
    );
  });

  it('auth-api on a taken port → exit 1, names AUTH_API_PORT', async () => {
    const exit = await runService('auth-api/src/main.ts', {
      DATABASE_URL: db.url,
      REDIS_URL: TEST_REDIS_URL,
      REDIS_KEY_PREFIX: 'wft:start-errors:',
      JWT_KEYS_DIR: keysDir,
      AUTH_API_PORT: String(takenPort),
      ARGON2_MEMORY_KIB: '1024',
      ARGON2_ITERATIONS: '1',
    });
    // The database has no users: a start that fails must not create the admin (and print nothing).
    expect(Number((await db.knex('users').count<{ count: string }[]>({ count: '*' }))[0]!.count)).toBe(0);
    expectOneActionableLine(
      exit,
      1,
      new RegExp(
        `^port ${takenPort} on 127\\.0\\.0\\.1 is already in use .* set AUTH_API_PORT to a free port$`,
      ),
    );
  });

  it('gateway with ALLOWED_ORIGINS="not a url" → exit 2, names the variable and the entry', async () => {
    const exit = await runService('gateway-service/src/main.ts', {
      ALLOWED_ORIGINS: 'https://ok.example.com,not a url',
    });
    expectOneActionableLine(exit, 2, /^invalid configuration: ALLOWED_ORIGINS: "not a url" is not an origin/);
  });

  it('gateway on a taken port → exit 1, names GATEWAY_PORT', async () => {
    const exit = await runService('gateway-service/src/main.ts', {
      GATEWAY_PORT: String(takenPort),
      // A JWKS file: this test is about the port, not about reaching an auth-api.
      AUTH_JWKS_FILE: writeEmptyJwks(keysDir),
    });
    expectOneActionableLine(
      exit,
      1,
      new RegExp(
        `^port ${takenPort} on 127\\.0\\.0\\.1 is already in use .* set GATEWAY_PORT to a free port$`,
      ),
    );
  });
});

function writeEmptyJwks(dir: string): string {
  const file = path.join(dir, 'jwks.json');
  fs.writeFileSync(file, JSON.stringify({ keys: [] }));
  return file;
}
