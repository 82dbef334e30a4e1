import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestRedis, type TestRedis } from '../../../test/support/redis.js';
import { RedisRevocationStore } from './redis-revocation-store.js';
import { nodeRevocation, REVOCATION_TTL_MS, sessionRevocation, userRevocation } from './revocation.js';
import { InMemoryRevocationStore, type RevocationStore } from './revocation-store.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One contract for both stores: what a starting gateway loads, and that entries expire. */
function storeContract(name: string, make: () => RevocationStore) {
  describe(name, () => {
    it('loads every kind of entry until it expires, then drops it', async () => {
      const store = make();
      const now = Date.now();
      // Made as if revoked almost a whole lifetime ago: 300 ms left.
      const madeAt = now - REVOCATION_TTL_MS + 300;
      await store.record(sessionRevocation('family-1', madeAt));
      await store.record(userRevocation(7, madeAt));
      await store.record(nodeRevocation(9, now));
      const loaded = await store.load(Date.now());
      expect(loaded.map((entry) => entry.key).sort()).toEqual(['node:9', 'sid:family-1', 'user:7']);
      expect(loaded.find((entry) => entry.key === 'user:7')?.not_before).toBe(Math.floor(madeAt / 1000));
      let left = loaded.length;
      const started = Date.now();
      while (left > 1 && Date.now() - started < 1000) {
        await sleep(50);
        left = (await store.load(Date.now())).length;
      }
      expect((await store.load(Date.now())).map((entry) => entry.key)).toEqual(['node:9']);
    });

    it('keeps two role changes of one user apart', async () => {
      const store = make();
      const now = Date.now();
      await store.record(userRevocation(11, now - 5_000));
      await store.record(userRevocation(11, now));
      const mine = (await store.load(now)).filter((entry) => entry.key === 'user:11');
      expect(mine.map((entry) => entry.not_before).sort()).toEqual([Math.floor((now - 5_000) / 1000), Math.floor(now / 1000)]);
    });
  });
}

let redis: TestRedis;
beforeAll(async () => {
  redis = await createTestRedis();
});
afterAll(async () => {
  await redis.cleanup();
});

storeContract('InMemoryRevocationStore', () => new InMemoryRevocationStore());
storeContract('RedisRevocationStore', () => new RedisRevocationStore(redis.client, `${redis.prefix}${Math.random().toString(36).slice(2)}:`));

describe('RedisRevocationStore keys', () => {
  it('keeps one key under the prefix that expires on its own', async () => {
    const store = new RedisRevocationStore(redis.client, redis.prefix);
    await store.record(sessionRevocation('family-2', Date.now()));
    const ttl = await redis.client.pttl(`${redis.prefix}revocations`);
    expect(ttl).toBeGreaterThan(REVOCATION_TTL_MS - 1000);
    expect(ttl).toBeLessThanOrEqual(REVOCATION_TTL_MS + 60_000);
  });
});
