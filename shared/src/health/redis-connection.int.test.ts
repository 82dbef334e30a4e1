import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PrivateRedis, startPrivateRedis } from '../../../test/support/redis-server.js';
import { StartupError } from '../config/index.js';
import { connectRedisAtStart, logRedisConnectionChanges } from './redis-connection.js';

describe('Redis connection at start and through an outage', () => {
  let server: PrivateRedis;
  beforeAll(async () => {
    server = await startPrivateRedis();
  });
  afterAll(async () => {
    await server.stop();
  });

  it('connectRedisAtStart connects a lazy client, or throws a StartupError naming REDIS_URL', async () => {
    const client = new Redis(server.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await connectRedisAtStart(client, server.url);
    expect(await client.ping()).toBe('PONG');
    client.disconnect();

    const unreachable = `redis://127.0.0.1:${server.port + 1}`;
    const lost = new Redis(unreachable, { lazyConnect: true, maxRetriesPerRequest: 1 });
    const error = await connectRedisAtStart(lost, unreachable).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(StartupError);
    expect((error as StartupError).fix).toBe('start Redis there or set REDIS_URL');
    lost.disconnect();
  });

  it('an outage is logged once when the connection is lost and once when it is back, not per retry', async () => {
    const lines: Array<{ level: number; msg: string }> = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const client = new Redis(server.url, { maxRetriesPerRequest: 1, retryStrategy: () => 50 });
    await new Promise((resolve) => client.once('ready', resolve));
    logRedisConnectionChanges(client, logger);
    let attempts = 0;
    client.on('reconnecting', () => {
      attempts += 1;
    });

    await server.stop();
    await expect.poll(() => attempts, { timeout: 10_000 }).toBeGreaterThanOrEqual(4);
    await server.start();
    await expect.poll(() => client.status, { timeout: 10_000 }).toBe('ready');
    client.disconnect();

    expect(lines.map((line) => `${line.level}: ${line.msg}`)).toEqual([
      '40: redis connection lost (connection refused: nothing listens there); reconnecting',
      '30: redis connection restored',
    ]);
  });
});
