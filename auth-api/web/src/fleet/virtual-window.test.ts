import { describe, expect, it } from 'vitest';
import { visibleWindow } from './virtual-window.js';

describe('visibleWindow', () => {
  it('renders the rows in view plus overscan, with spacers for the rest', () => {
    const window = visibleWindow({ total: 1000, rowHeight: 40, scrollTop: 4000, viewportHeight: 400, overscan: 5 });
    expect(window).toEqual({ start: 95, end: 115, before: 95 * 40, after: (1000 - 115) * 40 });
  });

  it('clamps at both ends', () => {
    expect(visibleWindow({ total: 3, rowHeight: 40, scrollTop: 0, viewportHeight: 800 })).toEqual({ start: 0, end: 3, before: 0, after: 0 });
    expect(visibleWindow({ total: 100, rowHeight: 40, scrollTop: 99_999, viewportHeight: 400, overscan: 2 }).end).toBe(100);
  });
});
