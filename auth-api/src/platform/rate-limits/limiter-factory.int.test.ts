import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestRedis, type TestRedis } from '../../../../test/support/redis.js';
import { redisLimiterFactory } from './limiter-factory.js';
import { limiterContractSuite } from './limiter-factory.test-suite.js';

let redis: TestRedis;
beforeAll(async () => {
  redis = await createTestRedis();
});
afterAll(async () => {
  await redis.cleanup();
});

limiterContractSuite(
  'redisLimiterFactory',
  async () => ({
    factory: redisLimiterFactory(redis.client, redis.prefix),
    // Another auth-api instance: its own factory on the same Redis and prefix.
    second: redisLimiterFactory(redis.client, redis.prefix),
  }),
  { sharedStore: true },
);

describe('redisLimiterFactory', () => {
  it('keeps its counts under the key prefix', async () => {
    const limiter = redisLimiterFactory(redis.client, redis.prefix)('prefixed', {
      points: 2,
      durationSeconds: 60,
    });
    await limiter.consume('198.51.100.7');
    expect(await redis.client.keys(`${redis.prefix}rl:prefixed*`)).toHaveLength(1);
  });

  it('still limits, per instance, while Redis is unreachable (the in-memory insurance limiter)', async () => {
    // A client that cannot connect: every command fails at once instead of queueing.
    const down = new Redis({
      port: 1,
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
    });
    down.on('error', () => {});
    try {
      const limiter = redisLimiterFactory(down, redis.prefix)('insured', { points: 2, durationSeconds: 60 });
      await limiter.consume('k');
      await limiter.consume('k');
      await expect(limiter.consume('k')).rejects.toMatchObject({ remainingPoints: 0 });
    } finally {
      down.disconnect();
    }
  });
});
