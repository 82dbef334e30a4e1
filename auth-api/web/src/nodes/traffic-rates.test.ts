import { describe, expect, it } from 'vitest';
import { rateBetween, TrafficHistory } from './traffic-rates.js';

const peer = (public_key: string, rx_bytes: number, tx_bytes: number) => ({ public_key, rx_bytes, tx_bytes });

describe('traffic rates from status reports', () => {
  it('sums the per-peer byte deltas over the time between reports', () => {
    const point = rateBetween({ at: 100, peers: [peer('a', 1000, 0), peer('b', 0, 500)] }, { at: 110, peers: [peer('a', 3000, 0), peer('b', 0, 1500)] });
    expect(point).toEqual({ at: 110, rx: 200, tx: 100 });
  });

  it('a reset counter or a new peer never gives a negative rate', () => {
    const point = rateBetween({ at: 0, peers: [peer('a', 5000, 5000)] }, { at: 5, peers: [peer('a', 100, 100), peer('new', 50, 50)] });
    expect(point).toEqual({ at: 5, rx: 0, tx: 0 });
  });

  it('keeps the last N points', () => {
    const history = new TrafficHistory(2);
    for (let i = 0; i < 5; i += 1) history.add({ at: i, peers: [peer('a', i * 10, 0)] });
    expect(history.points.map((p) => p.at)).toEqual([3, 4]);
  });
});
