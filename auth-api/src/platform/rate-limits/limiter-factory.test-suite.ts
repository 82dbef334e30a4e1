import { WirefleetError } from '@wirefleet/shared/errors';
import { RateLimiterRes } from 'rate-limiter-flexible';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  consumeOrThrow,
  type LimiterFactory,
  refund,
  reserveOrThrow,
  throwIfExhausted,
} from './limiter-factory.js';

/** What a test of the contract needs from one implementation. */
export interface LimiterFixture {
  factory: LimiterFactory;
  /** A factory of another auth-api instance on the same store (with `sharedStore`). */
  second?: LimiterFactory;
}

let serial = 0;
/** A limiter name no other test uses, so tests never spend each other's points. */
const uniqueName = () => `contract-${process.pid}-${++serial}`;

async function refusal(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

/**
 * The behaviour every LimiterFactory must show: named limiters that count points per key
 * atomically, refuse with the time until the next point, and block when told to. The helpers
 * (`consumeOrThrow` and friends) are exercised on each, as the routes use them.
 * `sharedStore`: limiters of several instances share their counts (Redis), so the fixture
 * gives a `second` factory; in memory each instance limits on its own.
 */
export function limiterContractSuite(
  name: string,
  makeFixture: () => Promise<LimiterFixture>,
  options: { sharedStore: boolean } = { sharedStore: false },
): void {
  describe(`${name} satisfies the LimiterFactory contract`, () => {
    let fixture: LimiterFixture;
    beforeEach(async () => {
      fixture = await makeFixture();
    });

    it('grants `points` per key within the duration, then refuses with the time to wait', async () => {
      const limiter = fixture.factory(uniqueName(), { points: 3, durationSeconds: 60 });
      for (let spent = 1; spent <= 3; spent += 1) {
        expect((await limiter.consume('k')).consumedPoints).toBe(spent);
      }
      const refused = await refusal(limiter.consume('k'));
      expect(refused).toBeInstanceOf(RateLimiterRes);
      expect((refused as RateLimiterRes).remainingPoints).toBe(0);
      expect((refused as RateLimiterRes).msBeforeNext).toBeGreaterThan(50_000);
      expect((refused as RateLimiterRes).msBeforeNext).toBeLessThanOrEqual(60_000);
    });

    it('counts keys apart, and limiters of different names apart', async () => {
      const limiterName = uniqueName();
      const limiter = fixture.factory(limiterName, { points: 1, durationSeconds: 60 });
      const other = fixture.factory(uniqueName(), { points: 1, durationSeconds: 60 });
      await limiter.consume('a');
      await limiter.consume('b');
      await other.consume('a');
      await expect(refusal(limiter.consume('a'))).resolves.toBeInstanceOf(RateLimiterRes);
    });

    it('consumeOrThrow turns a refusal into 429 rate_limited with a Retry-After of at least 1 s', async () => {
      const limiter = fixture.factory(uniqueName(), { points: 1, durationSeconds: 60 });
      await consumeOrThrow(limiter, 'k');
      const error = await refusal(consumeOrThrow(limiter, 'k'));
      expect(error).toBeInstanceOf(WirefleetError);
      expect(error).toMatchObject({ code: 'rate_limited', status: 429 });
      expect((error as WirefleetError).retryAfterSeconds).toBeGreaterThanOrEqual(1);
    });

    it('of many parallel reservations exactly `points` get through (the count is atomic)', async () => {
      const limiter = fixture.factory(uniqueName(), { points: 5, durationSeconds: 60 });
      const results = await Promise.allSettled(
        Array.from({ length: 40 }, () => reserveOrThrow(limiter, 'k')),
      );
      const granted = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
      expect(granted.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5]);
      for (const result of results) {
        if (result.status === 'rejected') expect(result.reason).toMatchObject({ code: 'rate_limited' });
      }
    });

    it('refund gives a point back; throwIfExhausted checks without spending', async () => {
      const limiter = fixture.factory(uniqueName(), { points: 2, durationSeconds: 60 });
      await throwIfExhausted(limiter, 'k');
      await throwIfExhausted(limiter, 'k');
      expect(await reserveOrThrow(limiter, 'k')).toBe(1);
      expect(await reserveOrThrow(limiter, 'k')).toBe(2);
      await expect(throwIfExhausted(limiter, 'k')).rejects.toMatchObject({ code: 'rate_limited' });
      await refund(limiter, 'k');
      await throwIfExhausted(limiter, 'k');
      expect(await reserveOrThrow(limiter, 'k')).toBe(2);
    });

    it('grants points again once the duration has passed', async () => {
      const limiter = fixture.factory(uniqueName(), { points: 1, durationSeconds: 1 });
      await limiter.consume('k');
      const refused = (await refusal(limiter.consume('k'))) as RateLimiterRes;
      expect(refused).toBeInstanceOf(RateLimiterRes);
      await new Promise((resolve) => setTimeout(resolve, refused.msBeforeNext + 100));
      expect((await limiter.consume('k')).consumedPoints).toBe(1);
    });

    it('blocks a key that went over the limit for blockDurationSeconds, past the duration', async () => {
      const limiter = fixture.factory(uniqueName(), {
        points: 1,
        durationSeconds: 1,
        blockDurationSeconds: 30,
      });
      await limiter.consume('k');
      const refused = (await refusal(limiter.consume('k'))) as RateLimiterRes;
      expect(refused).toBeInstanceOf(RateLimiterRes);
      expect(refused.msBeforeNext).toBeGreaterThan(20_000);
      await expect(throwIfExhausted(limiter, 'k')).rejects.toMatchObject({ code: 'rate_limited' });
    });

    if (options.sharedStore) {
      it('limiters of one name on two instances share the count', async () => {
        const limiterName = uniqueName();
        const limits = { points: 4, durationSeconds: 60 };
        const here = fixture.factory(limiterName, limits);
        const there = fixture.second!(limiterName, limits);
        const results = await Promise.allSettled(
          Array.from({ length: 20 }, (_, i) => reserveOrThrow(i % 2 ? here : there, 'k')),
        );
        expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(4);
      });
    }
  });
}
