import argon2 from 'argon2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  type JsonResponse,
  login,
  startTestAuthApi,
  type TestAuthApi,
} from '../../../../test/support/auth-api.js';
import { createEnrollmentKey, enrollNode, wgKeyPair } from '../../../../test/support/fleet.js';
import { base32Decode, timeStep, totpCode } from '../../identity/totp/totp.js';

/**
 * Each limiter under N attempts fired at once, on Redis and on the in-memory limiter: at most
 * the limit's worth of secrets is checked, every other attempt is 429 with Retry-After. With a
 * check-then-count limiter every attempt in flight passes the check, so these fail.
 */
const USER_IP_FAILURES = 5;
const BACKOFF_AFTER = 3;
const TOTP_FAILURES = 4;
const ENROLL_PER_IP = 5;
/** Node secret failures per IP (the fleet guard's setting; its default is 20). */
const NODE_TOKEN_FAILURES = 12;

function expectRefused(responses: JsonResponse[]): void {
  for (const response of responses) {
    expect(response.status).toBe(429);
    expect(response.body.code).toBe('rate_limited');
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
  }
}

const byStatus = (responses: JsonResponse[], status: number) =>
  responses.filter((response) => response.status === status);

describe.each([
  { backend: 'Redis', redis: true },
  { backend: 'memory', redis: false },
])('limits that hold in parallel ($backend limiter)', ({ redis }) => {
  let t: TestAuthApi;
  let admin: string;
  let ipSerial = 0;
  // Each test speaks from addresses of its own (TRUST_PROXY), so no test spends another's budget.
  const freshIp = () => `198.51.100.${++ipSerial}`;
  const from = (ip: string) => ({ 'x-forwarded-for': ip });
  const hashesSince = (before: number) => t.api.context.hasher.stats().started - before;

  beforeAll(async () => {
    t = await startTestAuthApi({
      redis,
      env: {
        TRUST_PROXY: 'loopback',
        LOGIN_LIMIT_PER_IP_PER_MINUTE: '1000',
        LOGIN_FAILURES_PER_USER_IP: String(USER_IP_FAILURES),
        LOGIN_BACKOFF_AFTER_FAILURES: '1000',
        TOTP_FAILURES_PER_USER: String(TOTP_FAILURES),
        ENROLL_LIMIT_PER_IP_PER_MINUTE: String(ENROLL_PER_IP),
        NODE_TOKEN_FAILURES_PER_IP_PER_MINUTE: String(NODE_TOKEN_FAILURES),
        ARGON2_MAX_QUEUE: '1000',
      },
    });
    admin = (await login(t.url)).access_token;
  });
  afterAll(async () => {
    await t.close();
  });

  async function createUser(username: string, password: string): Promise<void> {
    const created = await call(t.url, 'POST', '/v1/users', {
      token: admin,
      body: { username, password, role: 'viewer' },
    });
    expect(created.status).toBe(201);
  }

  const loginFrom = (ip: string, username: string, password: string) =>
    call(t.url, 'POST', '/v1/auth/login', { body: { username, password }, headers: from(ip) });

  it(`25 parallel wrong passwords for one account from one IP: ${USER_IP_FAILURES} Argon2 checks, 20 × 429`, async () => {
    await createUser('parallel-victim', 'the-right-password-1');
    const ip = freshIp();
    const before = t.api.context.hasher.stats().started;
    const results = await Promise.all(
      Array.from({ length: 25 }, (_, i) => loginFrom(ip, 'parallel-victim', `wrong-guess-${i}`)),
    );
    expect(hashesSince(before)).toBe(USER_IP_FAILURES);
    expect(byStatus(results, 401)).toHaveLength(USER_IP_FAILURES);
    expectRefused(byStatus(results, 429));
    expect(byStatus(results, 429)).toHaveLength(25 - USER_IP_FAILURES);
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(Number(/^wirefleet_password_hash_started (\d+)/m.exec(metrics)?.[1])).toBe(
      t.api.context.hasher.stats().started,
    );
  });

  it('a right password gives its reservation back: the budget is whole again after a success', async () => {
    await createUser('parallel-returning', 'the-right-password-2');
    const ip = freshIp();
    for (let i = 0; i < USER_IP_FAILURES - 1; i += 1)
      expect((await loginFrom(ip, 'parallel-returning', `typo-${i}`)).status).toBe(401);
    expect((await loginFrom(ip, 'parallel-returning', 'the-right-password-2')).status).toBe(200);
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => loginFrom(ip, 'parallel-returning', `later-typo-${i}`)),
    );
    expect(byStatus(results, 401)).toHaveLength(USER_IP_FAILURES);
    expectRefused(byStatus(results, 429));
  });

  it(`20 parallel TOTP guesses for one user: ${TOTP_FAILURES} codes checked, the rest 429`, async () => {
    await createUser('parallel-totp', 'the-right-password-3');
    const token = (await login(t.url, 'parallel-totp', 'the-right-password-3')).access_token;
    const setup = await call(t.url, 'POST', '/v1/auth/totp/setup', { token, body: {} });
    expect(setup.status).toBe(200);
    const secret = base32Decode(setup.body.secret as string);
    const step = timeStep(Date.now());
    // A code no step near now produces, so every checked guess is wrong.
    const near = new Set([-2, -1, 0, 1, 2].map((offset) => totpCode(secret, step + offset)));
    const wrong = ['000000', '111111', '222222', '333333', '444444', '555555'].find(
      (code) => !near.has(code),
    )!;
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        call(t.url, 'POST', '/v1/auth/totp/enable', { token, body: { code: wrong } }),
      ),
    );
    expect(byStatus(results, 401)).toHaveLength(TOTP_FAILURES);
    for (const checked of byStatus(results, 401)) expect(checked.body.code).toBe('totp_invalid');
    expectRefused(byStatus(results, 429));
    expect(byStatus(results, 429)).toHaveLength(20 - TOTP_FAILURES);
  });

  it(`30 parallel node-secret guesses from one IP: ${NODE_TOKEN_FAILURES} compared, the rest 429`, async () => {
    const { key } = await createEnrollmentKey(t.url, admin);
    const node = await enrollNode(t.url, key, {});
    const ip = freshIp();
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        call(t.url, 'POST', '/v1/nodes/token', {
          body: { node_id: node.node_id, node_secret: `wfns_guess_${i}` },
          headers: from(ip),
        }),
      ),
    );
    expect(byStatus(results, 401)).toHaveLength(NODE_TOKEN_FAILURES);
    for (const checked of byStatus(results, 401)) expect(checked.body.code).toBe('invalid_node_credentials');
    expectRefused(byStatus(results, 429));
    expect(byStatus(results, 429)).toHaveLength(30 - NODE_TOKEN_FAILURES);
  });

  it(`15 parallel enrollment-key guesses from one IP: ${ENROLL_PER_IP} looked up, the rest 429`, async () => {
    const ip = freshIp();
    const results = await Promise.all(
      Array.from({ length: 15 }, (_, i) =>
        call(t.url, 'POST', '/v1/nodes/enroll', {
          body: {
            enrollment_key: `wfek_AAAAAAAAAAAA_${'x'.repeat(42)}${i % 10}`,
            name: `guess-${i}`,
            wg_public_key: wgKeyPair().publicKey,
          },
          headers: from(ip),
        }),
      ),
    );
    expect(byStatus(results, 401)).toHaveLength(ENROLL_PER_IP);
    for (const checked of byStatus(results, 401)) expect(checked.body.code).toBe('invalid_enrollment_key');
    expectRefused(byStatus(results, 429));
  });

  it('successful enrollments give their point back: a rollout behind one address is not throttled', async () => {
    const { key } = await createEnrollmentKey(t.url, admin, { reusable: true, max_uses: 100 });
    const ip = freshIp();
    for (let i = 0; i < ENROLL_PER_IP * 2; i += 1) {
      const enrolled = await call(t.url, 'POST', '/v1/nodes/enroll', {
        body: { enrollment_key: key, name: `rollout-${i}`, wg_public_key: wgKeyPair().publicKey },
        headers: from(ip),
      });
      expect(enrolled.status).toBe(201);
    }
    const guess = await call(t.url, 'POST', '/v1/nodes/enroll', {
      body: {
        enrollment_key: 'wfek_AAAAAAAAAAAA_not-a-key',
        name: 'rollout-guess',
        wg_public_key: wgKeyPair().publicKey,
      },
      headers: from(ip),
    });
    expect(guess.status).toBe(401);
  });
});

describe('account back-off in parallel (Redis limiter)', () => {
  let t: TestAuthApi;
  beforeAll(async () => {
    t = await startTestAuthApi({
      env: {
        TRUST_PROXY: 'loopback',
        LOGIN_LIMIT_PER_IP_PER_MINUTE: '1000',
        LOGIN_FAILURES_PER_USER_IP: '1000',
        LOGIN_BACKOFF_AFTER_FAILURES: String(BACKOFF_AFTER),
        ARGON2_MAX_QUEUE: '1000',
      },
    });
  });
  afterAll(async () => {
    await t.close();
  });

  it(`25 parallel wrong passwords for one account from 25 IPs: at most ${BACKOFF_AFTER + 1} Argon2 checks`, async () => {
    const hash = await argon2.hash('distributed-right-password', {
      type: argon2.argon2id,
      memoryCost: 1024,
      timeCost: 1,
      parallelism: 1,
    });
    await t.db.knex('users').insert({ username: 'distributed-victim', password_hash: hash, role: 'viewer' });
    const before = t.api.context.hasher.stats().started;
    const results = await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        call(t.url, 'POST', '/v1/auth/login', {
          body: { username: 'distributed-victim', password: `spray-${i}` },
          headers: { 'x-forwarded-for': `203.0.113.${i + 1}` },
        }),
      ),
    );
    // Up to the threshold attempts run freely; past it one at a time, each failure blocking the next.
    const hashes = t.api.context.hasher.stats().started - before;
    expect(hashes).toBeGreaterThanOrEqual(BACKOFF_AFTER);
    expect(hashes).toBeLessThanOrEqual(BACKOFF_AFTER + 1);
    expect(byStatus(results, 401)).toHaveLength(hashes);
    expectRefused(byStatus(results, 429));
    expect(byStatus(results, 429)).toHaveLength(25 - hashes);
  });
});
