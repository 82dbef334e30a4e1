import { randomUUID } from 'node:crypto';
import { type IngestDelivery, ingestStreamKey, RedisIngestSink } from '@wirefleet/shared/ingest';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ingestContractSuite } from '../../../../shared/src/ingest/ingest.test-suite.js';
import { createTestRedis, type TestRedis } from '../../../../test/support/redis.js';
import { captureLogger, ingestRecord } from './ingest-fixtures.test-suite.js';
import { RedisIngestSource, type RedisIngestSourceOptions } from './redis-ingest-source.js';

describe('RedisIngestSink with RedisIngestSource', () => {
  let shared: TestRedis;
  beforeAll(async () => {
    shared = await createTestRedis();
  });
  afterAll(async () => {
    await shared.cleanup();
  });

  ingestContractSuite('Redis ingest stream', async () => {
    // A stream of its own per test, under this file's prefix (which cleanup removes).
    const prefix = `${shared.prefix}${randomUUID()}:`;
    const key = ingestStreamKey(prefix);
    const { logger } = captureLogger();
    return {
      sink: new RedisIngestSink(shared.client, prefix),
      // One consumer name: a restarted instance, which reads back what it left pending.
      source: () => new RedisIngestSource({ redis: shared.client, prefix, consumer: 'c1', logger }),
      consuming: async () => {
        await expect
          .poll(async () => ((await shared.client.xinfo('GROUPS', key).catch(() => [])) as unknown[]).length)
          .toBe(1);
      },
      cleanup: async () => {
        await shared.client.del(key);
      },
    };
  });
});

describe('RedisIngestSource', () => {
  let redis: TestRedis;
  let key: string;
  let sink: RedisIngestSink;
  const stops: Array<() => Promise<void>> = [];

  beforeEach(async () => {
    redis = await createTestRedis();
    key = ingestStreamKey(redis.prefix);
    sink = new RedisIngestSink(redis.client, redis.prefix);
  });
  afterEach(async () => {
    for (const stop of stops.splice(0)) await stop();
    await redis.cleanup();
  });

  const log = captureLogger();
  const start = (
    handle: (deliveries: IngestDelivery[]) => Promise<void>,
    options: Partial<RedisIngestSourceOptions> = {},
  ) => {
    const source = new RedisIngestSource({
      redis: redis.client,
      prefix: redis.prefix,
      consumer: 'c1',
      logger: log.logger,
      ...options,
    });
    const consumer = source.consume(handle);
    stops.push(() => consumer.stop());
    return consumer;
  };
  const groupReady = () =>
    expect
      .poll(async () => {
        const groups = (await redis.client.xinfo('GROUPS', key).catch(() => [])) as unknown[][];
        return groups.length;
      })
      .toBe(1);
  const pendingCount = async () => Number(((await redis.client.xpending(key, 'auth-api')) as unknown[])[0]);

  it('delivers what RedisIngestSink appends and acknowledges only after handle resolved', async () => {
    const received: IngestDelivery[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    start(async (deliveries) => {
      received.push(...deliveries);
      await gate;
    });
    await groupReady();
    const records = [1, 2, 3].map((n) =>
      ingestRecord('node.connected', n, { ip: '10.0.0.1' }, { offset: `1-${n}` }),
    );
    for (const record of records) await sink.append(record);
    await expect.poll(() => received.length).toBeGreaterThanOrEqual(1);
    expect(await pendingCount()).toBeGreaterThan(0);
    release();
    await expect.poll(() => received.map((delivery) => delivery.record)).toEqual(records);
    await expect.poll(pendingCount).toBe(0);
  });

  it('leaves a failed batch pending and delivers it again', async () => {
    const calls: string[][] = [];
    start(async (deliveries) => {
      calls.push(deliveries.map((delivery) => delivery.id));
      if (calls.length === 1) throw new Error('database down');
    });
    await groupReady();
    await sink.append(ingestRecord('node.connected', 1, {}));
    await sink.append(ingestRecord('node.disconnected', 1, {}));
    await expect.poll(() => calls.length).toBeGreaterThanOrEqual(1);
    // The first read may have taken one entry or both (the second can arrive after it).
    expect(await pendingCount()).toBeGreaterThanOrEqual(calls[0]!.length);
    await expect.poll(() => calls.length, { timeout: 5_000 }).toBeGreaterThanOrEqual(2);
    // The failed batch comes back first, unchanged.
    expect(calls[1]).toEqual(calls[0]);
    await expect.poll(pendingCount).toBe(0);
    expect(log.lines().some((line) => line.msg === 'ingest batch failed; left pending, retrying')).toBe(true);
  });

  it('acknowledges and logs poison entries without handing them over', async () => {
    const received: IngestDelivery[] = [];
    start(async (deliveries) => {
      received.push(...deliveries);
    });
    await groupReady();
    const before = log.lines().filter((line) => line.msg === 'skipping malformed ingest entry').length;
    await redis.client.xadd(key, '*', 'r', '{not json');
    await redis.client.xadd(key, '*', 'x', 'y');
    await redis.client.xadd(key, '*', 'r', JSON.stringify({ kind: 'node.bogus', node_id: 1 }));
    const good = ingestRecord('node.connected', 7, {});
    await sink.append(good);
    await expect.poll(() => received.map((delivery) => delivery.record)).toEqual([good]);
    await expect.poll(pendingCount).toBe(0);
    const skipped = log.lines().filter((line) => line.msg === 'skipping malformed ingest entry');
    expect(skipped.length - before).toBe(3);
  });

  it('splits the work between two consumers of one group without duplicates', async () => {
    const seen = new Map<string, string[]>([
      ['a', []],
      ['b', []],
    ]);
    for (const consumer of ['a', 'b']) {
      start(
        async (deliveries) => {
          seen.get(consumer)!.push(...deliveries.map((delivery) => delivery.id));
          await new Promise((resolve) => setTimeout(resolve, 30));
        },
        { consumer, batch: 5 },
      );
    }
    await groupReady();
    for (let n = 1; n <= 60; n += 1) await sink.append(ingestRecord('node.connected', n, {}));
    const all = () => [...seen.get('a')!, ...seen.get('b')!];
    await expect.poll(() => all().length).toBe(60);
    expect(new Set(all()).size).toBe(60);
    expect(seen.get('a')!.length).toBeGreaterThan(0);
    expect(seen.get('b')!.length).toBeGreaterThan(0);
    await expect.poll(pendingCount).toBe(0);
  });

  it('takes over entries left pending by a dead consumer', async () => {
    await redis.client.xgroup('CREATE', key, 'auth-api', '$', 'MKSTREAM');
    const record = ingestRecord('node.status', 3, {});
    await sink.append(record);
    // The "dead" instance reads the entry and never acknowledges it.
    await redis.client.call('XREADGROUP', 'GROUP', 'auth-api', 'dead', 'COUNT', 10, 'STREAMS', key, '>');
    const received: IngestDelivery[] = [];
    start(
      async (deliveries) => {
        received.push(...deliveries);
      },
      { claimIdleMs: 300, blockMs: 100 },
    );
    await expect.poll(() => received.map((delivery) => delivery.record)).toEqual([record]);
    await expect.poll(pendingCount).toBe(0);
  });

  it('recreates the group when it vanished (an empty Redis restart) and delivers what came after', async () => {
    const received: IngestDelivery[] = [];
    start(
      async (deliveries) => {
        received.push(...deliveries);
      },
      { blockMs: 200 },
    );
    await groupReady();
    await redis.client.del(key);
    const record = ingestRecord('node.connected', 4, {});
    await sink.append(record);
    await expect
      .poll(() => received.map((delivery) => delivery.record), { timeout: 5_000 })
      .toEqual([record]);
    await expect.poll(pendingCount).toBe(0);
    expect(log.lines().some((line) => String(line.msg).startsWith('ingest consumer group is gone'))).toBe(
      true,
    );
  });

  it('stops promptly even while a long blocking read is in progress', async () => {
    const consumer = start(async () => {}, { blockMs: 10_000 });
    await groupReady();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    await consumer.stop();
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
