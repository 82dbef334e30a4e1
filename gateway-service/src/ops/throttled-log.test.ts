import { describe, expect, it } from 'vitest';
import { ThrottledLog } from './throttled-log.js';

describe('ThrottledLog', () => {
  it('lets the first through, holds back the rest of the interval, then reports how many', () => {
    let now = 0;
    const log = new ThrottledLog(10_000, () => now);
    expect(log.take()).toEqual({ suppressed: 0 });
    for (let i = 0; i < 5; i++) expect(log.take()).toBeUndefined();
    now = 10_000;
    expect(log.take()).toEqual({ suppressed: 5 });
    expect(log.take()).toBeUndefined();
  });
});
