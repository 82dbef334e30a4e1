import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { createLogger } from '@wirefleet/shared/logging';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, ADMIN_USERNAME, call, login, TEST_ISSUER } from '../../../../test/support/auth-api.js';
import {
  postgresPrerequisiteProblem,
  type PrivatePostgres,
  startPrivatePostgres,
} from '../../../../test/support/pg-cluster.js';
import { IN_CI } from '../../../../test/support/services.js';
import { loadAuthApiConfig } from '../../config.js';
import { type RunningAuthApi, startAuthApi } from '../../start.js';
import { freePort } from '../../../../test/support/free-port.js';

const missing = postgresPrerequisiteProblem();
if (missing && !IN_CI) console.warn(`database outage test skipped: it needs ${missing}`);


interface LogLine {
  level: string;
  msg: string;
  url?: string;
  status?: number;
}

/**
 * The auth-api on a Postgres cluster of its own that the test stops and starts: while it is
 * away, requests that need it get 503 `service_unavailable` with Retry-After (never 500), the
 * readiness change is logged once, and the pool serves again once Postgres is back.
 */
describe.skipIf(missing !== undefined && !IN_CI).sequential('while Postgres is unreachable', () => {
  let cluster: PrivatePostgres;
  let api: RunningAuthApi;
  let workDir: string;
  const lines: LogLine[] = [];
  let token: string;

  beforeAll(async () => {
    if (missing) throw new Error(`this test needs ${missing}`);
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wf-outage-'));
    fs.chmodSync(workDir, 0o755); // the postgres user must reach the cluster folder inside
    cluster = await startPrivatePostgres({
      dir: path.join(workDir, 'pg'),
      port: await freePort(),
      databases: ['wirefleet'],
    });
    const { config, secrets } = loadAuthApiConfig({
      AUTH_API_HOST: '127.0.0.1',
      AUTH_API_PORT: '0',
      AUTH_PUBLIC_URL: TEST_ISSUER,
      DATABASE_URL: cluster.url('wirefleet'),
      JWT_KEYS_DIR: path.join(workDir, 'keys'),
      ARGON2_MEMORY_KIB: '1024',
      ARGON2_ITERATIONS: '1',
      ADMIN_USERNAME,
      ADMIN_PASSWORD,
    });
    const destination = new Writable({
      write(chunk, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean))
          lines.push(JSON.parse(line) as LogLine);
        done();
      },
    });
    const logger = createLogger({ service: 'auth-api', level: 'debug', destination });
    api = await startAuthApi(config, secrets, { logger, background: false });
    token = (await login(api.url)).access_token;
  }, 120_000);

  afterAll(async () => {
    await api?.close();
    await cluster?.close();
    if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
  });

  const readinessLines = () =>
    lines
      .filter((line) => /^(not ready|ready again)/.test(line.msg))
      .map((line) => `${line.level}: ${line.msg}`);

  it('reads, writes and logins get 503 service_unavailable with Retry-After; /readyz is 503, logged once', async () => {
    expect((await call(api.url, 'GET', '/readyz')).status).toBe(200);
    await cluster.stop('fast');

    const me = await call(api.url, 'GET', '/v1/auth/me', { token });
    const write = await call(api.url, 'POST', '/v1/users', {
      token,
      body: { username: 'during-outage', password: 'a long enough password', role: 'viewer' },
    });
    const loginAttempt = await call(api.url, 'POST', '/v1/auth/login', {
      body: { username: ADMIN_USERNAME, password: ADMIN_PASSWORD },
    });
    for (const response of [me, write, loginAttempt]) {
      expect(response.status).toBe(503);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(response.headers.get('retry-after')).toBe('5');
      expect(response.body).toMatchObject({ status: 503, code: 'service_unavailable' });
      expect(response.text).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|at .*\.(ts|js):\d+/);
    }

    for (let probe = 0; probe < 4; probe += 1) {
      const readiness = await call(api.url, 'GET', '/readyz');
      expect(readiness.status).toBe(503);
      expect(readiness.body).toMatchObject({ code: 'not_ready', checks: { database: 'unavailable' } });
    }
    expect((await call(api.url, 'GET', '/healthz')).status).toBe(200);
    expect(readinessLines()).toEqual([expect.stringMatching(/^warn: not ready \(database: .*ECONNREFUSED/)]);
    // Nothing reached the 500 path, and the probes' 503s were not logged per probe.
    expect(lines.filter((line) => line.msg === 'request failed')).toEqual([]);
    expect(lines.filter((line) => line.url === '/readyz' && line.level !== 'debug')).toEqual([]);
  });

  it('the pool serves again once Postgres is back, and the recovery is logged once', async () => {
    await cluster.start();
    const statuses: number[] = [];
    await expect
      .poll(
        async () => {
          const response = await call(api.url, 'GET', '/v1/auth/me', { token });
          statuses.push(response.status);
          return response.status;
        },
        { timeout: 20_000, interval: 200 },
      )
      .toBe(200);
    expect(statuses.filter((status) => status !== 200 && status !== 503)).toEqual([]);
    expect((await call(api.url, 'GET', '/readyz')).status).toBe(200);
    expect(readinessLines()).toEqual([
      expect.stringMatching(/^warn: not ready/),
      'info: ready again: every dependency answers',
    ]);
  });

  it('after a crash of Postgres (idle pooled connections killed), requests fail with 503, then succeed', async () => {
    // Fill the pool with idle connections that the crash will leave dead.
    await Promise.all(Array.from({ length: 4 }, () => call(api.url, 'GET', '/v1/auth/me', { token })));
    await cluster.stop('immediate');
    expect((await call(api.url, 'GET', '/v1/auth/me', { token })).status).toBe(503);
    await cluster.start();
    const statuses: number[] = [];
    await expect
      .poll(
        async () => {
          const response = await call(api.url, 'POST', '/v1/users', {
            token,
            body: {
              username: `after-crash-${statuses.length}`,
              password: 'a long enough password',
              role: 'viewer',
            },
          });
          statuses.push(response.status);
          return response.status;
        },
        { timeout: 20_000, interval: 200 },
      )
      .toBe(201);
    expect(statuses.filter((status) => status !== 201 && status !== 503)).toEqual([]);
    expect(lines.filter((line) => line.msg === 'request failed')).toEqual([]);
  });
});
