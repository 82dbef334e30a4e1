import type { Redis } from 'ioredis';
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { WirefleetError } from '@wirefleet/shared/errors';

export interface LimiterOptions {
  points: number;
  durationSeconds: number;
  blockDurationSeconds?: number;
}

/** Creates named limiters: Redis-backed (shared by every instance) when Redis is configured, in memory otherwise. */
export type LimiterFactory = (name: string, options: LimiterOptions) => RateLimiterAbstract;

export function memoryLimiterFactory(): LimiterFactory {
  return (name, options) =>
    new RateLimiterMemory({
      keyPrefix: name,
      points: options.points,
      duration: options.durationSeconds,
      blockDuration: options.blockDurationSeconds ?? 0,
    });
}

/**
 * Redis limiters with an in-memory insurance limiter: while Redis is unreachable each
 * instance still limits on its own rather than failing open or failing every login.
 */
export function redisLimiterFactory(redis: Redis, keyPrefix: string): LimiterFactory {
  const memory = memoryLimiterFactory();
  return (name, options) =>
    new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: `${keyPrefix}rl:${name}`,
      points: options.points,
      duration: options.durationSeconds,
      blockDuration: options.blockDurationSeconds ?? 0,
      insuranceLimiter: memory(name, options) as RateLimiterMemory,
    });
}

/** Turns a limiter rejection into 429 `rate_limited` with Retry-After; store errors pass through. */
export function rateLimited(rejection: unknown): never {
  if (rejection instanceof RateLimiterRes) {
    throw new WirefleetError('rate_limited', { retryAfterSeconds: Math.max(1, rejection.msBeforeNext / 1000) });
  }
  throw rejection;
}

/** Spends one point, or throws 429. */
export async function consumeOrThrow(limiter: RateLimiterAbstract, key: string): Promise<void> {
  try {
    await limiter.consume(key);
  } catch (rejection) {
    rateLimited(rejection);
  }
}

/** Throws 429 when `key` has no points left, without spending one. */
export async function throwIfExhausted(limiter: RateLimiterAbstract, key: string): Promise<void> {
  const state = await limiter.get(key);
  if (state && state.consumedPoints >= limiter.points) {
    throw new WirefleetError('rate_limited', { retryAfterSeconds: Math.max(1, state.msBeforeNext / 1000) });
  }
}

/**
 * Spends one point before the work it guards and returns how many are now spent, or throws
 * 429. The increment is atomic (one Redis command, or synchronous in memory), so of N
 * parallel attempts at most `points` get through — checking first and counting afterwards
 * would let every attempt in flight pass the check.
 */
export async function reserveOrThrow(limiter: RateLimiterAbstract, key: string): Promise<number> {
  try {
    return (await limiter.consume(key)).consumedPoints;
  } catch (rejection) {
    rateLimited(rejection);
  }
}

/** Gives back a point spent by `reserveOrThrow` for an attempt that turned out not to be a guess. */
export async function refund(limiter: RateLimiterAbstract, key: string): Promise<void> {
  await limiter.reward(key, 1);
}
