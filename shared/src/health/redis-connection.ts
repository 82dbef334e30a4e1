import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { connectionFailure, redisStartupError } from '../config/index.js';

/**
 * Connects a `lazyConnect` client at start-up, or throws a StartupError naming REDIS_URL. A
 * service configured for Redis that cannot reach it at start has a wrong URL or a stopped
 * server far more often than an outage; failing loudly beats starting degraded and quiet.
 */
export async function connectRedisAtStart(redis: Redis, redisUrl: string): Promise<void> {
  let lastError: unknown;
  const remember = (error: unknown) => {
    lastError = error;
  };
  redis.on('error', remember);
  try {
    await redis.connect();
  } catch (error) {
    // ioredis says "Connection is closed."; the socket error before it says why.
    redis.disconnect();
    throw redisStartupError(redisUrl, lastError ?? error);
  } finally {
    redis.off('error', remember);
  }
}

/**
 * Logs a client's connection losses once each (warn, with the reason) and its recoveries
 * (info), instead of one line per reconnect attempt while Redis is away.
 */
export function logRedisConnectionChanges(redis: Redis, logger: Logger, name = 'redis'): void {
  let lost = false;
  redis.on('error', (error: unknown) => {
    if (lost) return;
    lost = true;
    logger.warn(
      { reason: connectionFailure(error) },
      `${name} connection lost (${connectionFailure(error)}); reconnecting`,
    );
  });
  redis.on('ready', () => {
    if (!lost) return;
    lost = false;
    logger.info(`${name} connection restored`);
  });
}

/**
 * A service's own Redis connection, opened at start: connected now (a failure is one
 * StartupError naming REDIS_URL), its drops and returns logged once each, closed by `closers`.
 */
export async function openServiceRedis(
  url: string,
  options: RedisOptions,
  logger: Logger,
  closers: Array<() => Promise<void>>,
): Promise<Redis> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, ...options, lazyConnect: true });
  closers.push(async () => redis.disconnect());
  await connectRedisAtStart(redis, url);
  logRedisConnectionChanges(redis, logger);
  return redis;
}
