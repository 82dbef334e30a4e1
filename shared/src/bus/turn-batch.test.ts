import { describe, expect, it } from 'vitest';
import { allOrNothing, TurnBatch } from './turn-batch.js';

describe('TurnBatch', () => {
  it('runs the items added in one turn together, in chunks, each answered with its own result', async () => {
    const runs: number[][] = [];
    const batch = new TurnBatch<number, number>(async (items) => {
      runs.push(items);
      return items.map((n) => (n === 3 ? { status: 'rejected', reason: new Error('three') } : { status: 'fulfilled', value: n * 10 }));
    }, 2);
    const answers = await Promise.allSettled([1, 2, 3, 4, 5].map((n) => batch.add(n)));
    expect(runs).toEqual([[1, 2], [3, 4], [5]]);
    expect(answers.map((a) => (a.status === 'fulfilled' ? a.value : (a.reason as Error).message))).toEqual([10, 20, 'three', 40, 50]);
  });

  it('starts a new batch for items added after a flush', async () => {
    const runs: string[][] = [];
    const batch = new TurnBatch<string, void>(allOrNothing(async (items) => runs.push(items)));
    await Promise.all([batch.add('a'), batch.add('b')]);
    await batch.add('c');
    expect(runs).toEqual([['a', 'b'], ['c']]);
  });

  it('fails every item of a chunk whose run rejects', async () => {
    const batch = new TurnBatch<string, void>(
      allOrNothing(async () => {
        throw new Error('redis is gone');
      }),
    );
    const answers = await Promise.allSettled([batch.add('a'), batch.add('b')]);
    expect(answers.every((a) => a.status === 'rejected' && (a.reason as Error).message === 'redis is gone')).toBe(true);
  });
});
