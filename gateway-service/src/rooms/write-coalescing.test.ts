import { describe, expect, it } from 'vitest';
import { WriteCoalescing } from './write-coalescing.js';

function clocked(delayMs: number, aboveRate: number) {
  let now = 1_000_000;
  const coalescing = new WriteCoalescing({ delayMs, aboveRate, now: () => now });
  return { coalescing, advance: (ms: number) => (now += ms) };
}

describe('write coalescing: events wait only while this instance delivers at a high rate', () => {
  it('sends at once below the rate, then waits a quarter of the delay at the rate', () => {
    const { coalescing, advance } = clocked(40, 100_000);
    expect(coalescing.holdMs()).toBe(0);
    // 2,000 subscribers × 40 events in a quarter of a second: 80,000 over the last second.
    for (let i = 0; i < 40; i += 1) coalescing.delivered(2_000);
    expect(coalescing.deliveriesPerSecond()).toBe(80_000);
    expect(coalescing.holdMs()).toBe(0);
    advance(250);
    for (let i = 0; i < 10; i += 1) coalescing.delivered(2_000);
    expect(coalescing.deliveriesPerSecond()).toBe(100_000);
    expect(coalescing.holdMs()).toBe(10);
  });

  it('waits longer as the rate grows, never more than the delay', () => {
    const { coalescing } = clocked(40, 100_000);
    coalescing.delivered(200_000);
    expect(coalescing.holdMs()).toBe(20);
    coalescing.delivered(200_000);
    expect(coalescing.holdMs()).toBe(40);
    coalescing.delivered(4_000_000);
    expect(coalescing.holdMs()).toBe(40);
  });

  it('waits at least a millisecond once it waits at all', () => {
    const { coalescing } = clocked(1, 100_000);
    coalescing.delivered(100_000);
    expect(coalescing.holdMs()).toBe(1);
  });

  it('forgets deliveries older than a second, also after a long quiet spell', () => {
    const { coalescing, advance } = clocked(20, 100_000);
    coalescing.delivered(150_000);
    expect(coalescing.holdMs()).toBeGreaterThan(0);
    advance(750);
    expect(coalescing.holdMs()).toBeGreaterThan(0);
    advance(250);
    expect(coalescing.deliveriesPerSecond()).toBe(0);
    expect(coalescing.holdMs()).toBe(0);
    coalescing.delivered(10);
    advance(60_000);
    expect(coalescing.deliveriesPerSecond()).toBe(0);
  });

  it('holds every event the whole delay when the rate is 0, and none when the delay is 0', () => {
    expect(clocked(20, 0).coalescing.holdMs()).toBe(20);
    const off = clocked(0, 0).coalescing;
    off.delivered(1_000_000);
    expect(off.holdMs()).toBe(0);
    expect(off.deliveriesPerSecond()).toBe(1_000_000);
  });
});
