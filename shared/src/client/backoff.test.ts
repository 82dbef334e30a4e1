import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type BackoffOptions, DEFAULT_BACKOFF, nextDelay } from './backoff.js';
import { decideAfterClose } from './close-policy.js';

const options = fc
  .record({
    initialMs: fc.integer({ min: 1, max: 10_000 }),
    extraMs: fc.integer({ min: 0, max: 600_000 }),
    jitter: fc.double({ min: 0, max: 0.99, noNaN: true }),
  })
  .map(
    ({ initialMs, extraMs, jitter }): BackoffOptions => ({ initialMs, maxMs: initialMs + extraMs, jitter }),
  );
const unit = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });
const attempt = fc.integer({ min: 0, max: 2_000 });

describe('nextDelay', () => {
  it('grows 1 s → 60 s by doubling and then stays at the cap (no jitter at random = 0.5)', () => {
    const delays = Array.from({ length: 10 }, (_, n) => nextDelay(n, DEFAULT_BACKOFF, () => 0.5));
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000, 60_000]);
  });

  it('spreads ±jitter around the capped exponential', () => {
    fc.assert(
      fc.property(options, attempt, unit, (opts, n, r) => {
        const base = Math.min(opts.maxMs, opts.initialMs * 2 ** n);
        const delay = nextDelay(n, opts, () => r);
        expect(delay).toBeGreaterThanOrEqual(Math.floor(base * (1 - opts.jitter)));
        expect(delay).toBeLessThanOrEqual(Math.ceil(base * (1 + opts.jitter)));
        expect(delay).toBeLessThanOrEqual(Math.ceil(opts.maxMs * (1 + opts.jitter)));
      }),
    );
  });

  it('never shrinks from one attempt to the next for the same random draw', () => {
    fc.assert(
      fc.property(options, attempt, unit, (opts, n, r) => {
        expect(nextDelay(n + 1, opts, () => r)).toBeGreaterThanOrEqual(nextDelay(n, opts, () => r));
      }),
    );
  });

  it('stays within 45–75 s once capped with the defaults, and is never negative', () => {
    fc.assert(
      fc.property(fc.integer({ min: 6, max: 10_000 }), unit, (n, r) => {
        const delay = nextDelay(n, DEFAULT_BACKOFF, () => r);
        expect(delay).toBeGreaterThanOrEqual(45_000);
        expect(delay).toBeLessThanOrEqual(75_000);
      }),
    );
    expect(nextDelay(-3, DEFAULT_BACKOFF, () => 0)).toBe(750);
  });
});

describe('decideAfterClose', () => {
  it.each([
    [1001, 20_000, { terminal: false, refreshFirst: false, resetBackoff: true }],
    [1001, undefined, { terminal: false, refreshFirst: false, resetBackoff: false }],
    [1006, 20_000, { terminal: false, refreshFirst: false, resetBackoff: true }],
    [1006, 1_000, { terminal: false, refreshFirst: false, resetBackoff: false }],
    [4001, 20_000, { terminal: false, refreshFirst: true, resetBackoff: true }],
    [4003, 20_000, { terminal: true, refreshFirst: false, resetBackoff: false }],
    [4008, 20_000, { terminal: false, refreshFirst: false, resetBackoff: false }],
    [4009, 20_000, { terminal: false, refreshFirst: false, resetBackoff: true }],
    [4010, 20_000, { terminal: true, refreshFirst: false, resetBackoff: false }],
  ])('close %i after %s ms welcomed', (code, welcomedFor, expected) => {
    expect(decideAfterClose(code, welcomedFor, 10_000)).toEqual(expected);
  });
});
