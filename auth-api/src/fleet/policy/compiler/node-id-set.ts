import { bitIndexes, hasBit } from './bitset.js';

/**
 * The peers of one compiled node: an immutable set of node ids over a bitset of node slots
 * (`nodeIds[slot]` is the id). `compileAll` makes one per node, up to a million ids in all for
 * 1,000 nodes; a `Set` would hash every one of them, a quarter of the compile time, for callers
 * that mostly ask `has`. The id list is made on first iteration.
 */
export class NodeIdSet implements ReadonlySet<number> {
  private idsCache: number[] | undefined;
  private sizeCache: number | undefined;

  constructor(
    private readonly bits: Uint32Array,
    /** Ascending: a slot's id, shared by every set of one compile. */
    private readonly nodeIds: readonly number[],
  ) {}

  get size(): number {
    this.sizeCache ??= this.ids.length;
    return this.sizeCache;
  }

  has(id: number): boolean {
    let low = 0;
    let high = this.nodeIds.length - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const value = this.nodeIds[middle]!;
      if (value === id) return hasBit(this.bits, middle);
      if (value < id) low = middle + 1;
      else high = middle - 1;
    }
    return false;
  }

  forEach(callback: (value: number, key: number, set: ReadonlySet<number>) => void, thisArg?: unknown): void {
    for (const id of this.ids) callback.call(thisArg, id, id, this);
  }

  keys(): SetIterator<number> {
    return this.ids.values();
  }

  values(): SetIterator<number> {
    return this.ids.values();
  }

  entries(): SetIterator<[number, number]> {
    return this.ids.map((id): [number, number] => [id, id]).values();
  }

  [Symbol.iterator](): SetIterator<number> {
    return this.ids.values();
  }

  /** The ids, ascending. */
  get ids(): readonly number[] {
    this.idsCache ??= bitIndexes(this.bits).map((slot) => this.nodeIds[slot]!);
    return this.idsCache;
  }
}
