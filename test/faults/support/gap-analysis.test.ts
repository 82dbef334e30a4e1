import { describe, expect, it } from 'vitest';
import { analyzeClient, type ClientEntry, silentGaps } from './gap-analysis.js';

const sub = (t: number, offset: string, recovered = true, solicited = true): ClientEntry => ({ t, kind: 'subscribed', room: 'fleet', offset, recovered, solicited });
const ev = (t: number, offset: string): ClientEntry => ({ t, kind: 'event', room: 'fleet', offset });

describe('gap analysis of a recording client', () => {
  it.each([
    { what: 'consecutive offsets', log: [sub(0, '7-3'), ev(1, '7-4'), ev(2, '7-5')], gaps: 0, repeats: 0 },
    { what: 'a missing seq', log: [sub(0, '7-3'), ev(1, '7-4'), ev(2, '7-6')], gaps: 1, repeats: 0 },
    { what: 'a repeated seq', log: [sub(0, '7-3'), ev(1, '7-4'), ev(2, '7-4'), ev(3, '7-5')], gaps: 0, repeats: 1 },
    { what: 'a new epoch with no notice', log: [sub(0, '7-3'), ev(1, '7-4'), ev(2, '9-1')], gaps: 1, repeats: 0 },
    { what: 'a new epoch after recovered:false', log: [sub(0, '7-3'), ev(1, '7-4'), sub(2, '9-0', false, false), ev(3, '9-1')], gaps: 0, repeats: 0 },
    { what: 'a resubscribe with since that recovered', log: [sub(0, '7-3'), ev(1, '7-4'), sub(2, '7-9'), ev(3, '7-5')], gaps: 0, repeats: 0 },
    { what: 'a missing seq after a recovered resubscribe', log: [sub(0, '7-3'), ev(1, '7-4'), sub(2, '7-9'), ev(3, '7-9')], gaps: 1, repeats: 0 },
  ])('$what', ({ log, gaps, repeats }) => {
    const analysis = analyzeClient('c', log);
    expect(analysis.gaps).toHaveLength(gaps);
    expect(analysis.repeats).toHaveLength(repeats);
  });

  it('a gap is silent unless the room got recovered:false in the same window', () => {
    const told = analyzeClient('c', [sub(0, '7-3'), ev(10, '9-1'), sub(12, '9-1', false, false)]);
    expect(silentGaps(told, 0, 20)).toEqual([]);
    expect(silentGaps(told, 0, 11)).toHaveLength(1);
    const untold = analyzeClient('c', [sub(0, '7-3'), ev(10, '7-6')]);
    expect(silentGaps(untold, 0, 20)).toMatchObject([{ room: 'fleet', after: '7-3', next: '7-6', missing: 2 }]);
  });
});
