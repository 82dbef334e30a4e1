import { afterAll, beforeAll } from 'vitest';
import { createTestRedis, type TestRedis } from '../../../test/support/redis.js';
import { LocalNodeLeases, RedisNodeLeases } from './node-leases.js';
import { nodeLeasesContractSuite } from './node-leases.test-suite.js';

let redis: TestRedis;
let cases = 0;
beforeAll(async () => {
  redis = await createTestRedis();
});
afterAll(async () => {
  await redis.cleanup();
});

nodeLeasesContractSuite('LocalNodeLeases', async () => {
  const leases = new LocalNodeLeases();
  // Single process: a lease only vanishes when the map forgets it (a restart of the gateway).
  const holders = (leases as unknown as { holders: Map<number, string> }).holders;
  return { leases, lose: async (nodeId) => void holders.delete(nodeId) };
});

nodeLeasesContractSuite('RedisNodeLeases', async () => {
  // A prefix per case, so cases do not see each other's leases.
  cases += 1;
  const prefix = `${redis.prefix}${cases}:`;
  const leases = new RedisNodeLeases(redis.client, prefix, 30_000);
  return { leases, lose: async (nodeId) => void (await redis.client.del(`${prefix}node-lease:{${nodeId}}`)) };
});
