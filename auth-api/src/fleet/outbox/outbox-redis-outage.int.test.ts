import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, login, startTestAuthApi, type TestAuthApi } from '../../../../test/support/auth-api.js';
import { createEnrollmentKey, enrollNode } from '../../../../test/support/fleet.js';
import { startPrivateRedis, type PrivateRedis } from '../../../../test/support/redis-server.js';

describe('announcements survive a Redis outage (transactional outbox)', () => {
  let redis: PrivateRedis;
  let t: TestAuthApi;
  beforeAll(async () => {
    redis = await startPrivateRedis();
    t = await startTestAuthApi({ redis: false, env: { REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'wf:' } });
  });
  afterAll(async () => {
    await t.close();
    await redis.stop();
  });

  it('a change committed while Redis is down is announced once Redis is back', async () => {
    const admin = (await login(t.url)).access_token;
    const { key } = await createEnrollmentKey(t.url, admin);
    const node = await enrollNode(t.url, key, { name: 'outage' });
    const state = () => t.db.knex('nodes').where({ id: node.node_id }).first('desired_revision', 'announced_revision');
    await expect.poll(async () => (await state()).announced_revision).toBe((await state()).desired_revision);

    await redis.stop();
    const patched = await call(t.url, 'PATCH', `/v1/nodes/${node.node_id}`, { token: admin, body: { routes: ['10.20.0.0/24'] } });
    expect(patched.status).toBe(200);
    const pending = await state();
    expect(pending.desired_revision).toBeGreaterThan(pending.announced_revision);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await state()).announced_revision).toBe(pending.announced_revision);

    await redis.start();
    await expect.poll(async () => (await state()).announced_revision, { timeout: 20_000 }).toBe(pending.desired_revision);
    const client = new Redis(redis.url);
    try {
      const entries = await client.xrange(`wf:{room:node:${node.node_id}}:stream`, '-', '+');
      const bodies = entries.map(([, fields]) => fields.join(' '));
      expect(bodies.some((body) => body.includes('config.changed') && body.includes(`"revision":${pending.desired_revision}`))).toBe(true);
    } finally {
      client.disconnect();
    }
  });
});
