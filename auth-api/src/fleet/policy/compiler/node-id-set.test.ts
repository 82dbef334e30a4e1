import { describe, expect, it } from 'vitest';
import { newBits, setBit } from './bitset.js';
import { NodeIdSet } from './node-id-set.js';

describe('NodeIdSet', () => {
  it('answers like a Set of the same ids', () => {
    const nodeIds = [1, 2, 4, 5, 7, 9, 100, 1_000];
    const ids = [1, 4, 5, 9, 100, 1_000];
    const bits = newBits(nodeIds.length);
    for (const id of ids) setBit(bits, nodeIds.indexOf(id));
    const set = new NodeIdSet(bits, nodeIds);
    const reference = new Set(ids);
    for (let id = 0; id <= 1_001; id++) expect(set.has(id)).toBe(reference.has(id));
    expect(set.size).toBe(6);
    expect([...set]).toEqual(ids);
    expect([...set.keys()]).toEqual(ids);
    expect([...set.values()]).toEqual(ids);
    expect([...set.entries()]).toEqual([...reference.entries()]);
    const seen: number[] = [];
    set.forEach((id) => {
      seen.push(id);
    });
    expect(seen).toEqual(ids);
    expect(new NodeIdSet(newBits(0), []).has(1)).toBe(false);
  });
});
