import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { TEST_REDIS_URL } from './services.js';

export interface TestRedis {
  url: string;
  /** Every key the code under test writes must start with this prefix. */
  prefix: string;
  client: Redis;
  /** Deletes every key under the prefix and closes the client. */
  cleanup(): Promise<void>;
}

/** A key prefix of its own for one test file, so files run in parallel and leave nothing behind. */
export async function createTestRedis(): Promise<TestRedis> {
  const prefix = `wft:${randomBytes(5).toString('hex')}:`;
  const client = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 2 });
  return {
    url: TEST_REDIS_URL,
    prefix,
    client,
    async cleanup() {
      let cursor = '0';
      do {
        const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
        cursor = next;
        if (keys.length > 0) await client.del(...keys);
      } while (cursor !== '0');
      client.disconnect();
    },
  };
}
