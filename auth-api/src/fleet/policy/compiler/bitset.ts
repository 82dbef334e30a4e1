/** Fixed-size bitsets over small integers (member numbers, node slots): the compiler's sets. */
export function newBits(size: number): Uint32Array {
  return new Uint32Array((size + 31) >>> 5);
}

export function setBit(bits: Uint32Array, index: number): void {
  bits[index >>> 5]! |= 1 << (index & 31);
}

export function hasBit(bits: Uint32Array, index: number): boolean {
  return (bits[index >>> 5]! & (1 << (index & 31))) !== 0;
}

export function orInto(target: Uint32Array, source: Uint32Array): void {
  for (let word = 0; word < target.length; word++) target[word]! |= source[word]!;
}

/** The set indices in ascending order. */
export function bitIndexes(bits: Uint32Array): number[] {
  const indexes: number[] = [];
  for (let word = 0; word < bits.length; word++) {
    let value = bits[word]!;
    while (value !== 0) {
      const low = value & -value;
      indexes.push((word << 5) + 31 - Math.clz32(low));
      value ^= low;
    }
  }
  return indexes;
}
