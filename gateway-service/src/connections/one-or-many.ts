/**
 * One value, or several. Almost every per-connection collection of the gateway holds exactly
 * one value (a session's connection, a subject's connection, the rooms a connection is in —
 * its own), and a one-element Set costs ~150–200 bytes: at 20,000 idle connections, per
 * collection, a large part of the per-connection memory budget (docs/benchmarks.md). A Set
 * appears only when a second value arrives. `T` must not itself be a Set.
 */
export type OneOrMany<T> = T | Set<T>;

export function withMember<T>(slot: OneOrMany<T> | undefined, value: T): OneOrMany<T> {
  if (slot === undefined || slot === value) return value;
  if (slot instanceof Set) return slot.add(value);
  return new Set([slot, value]);
}

/** The slot without `value`; undefined once it is empty. */
export function withoutMember<T>(slot: OneOrMany<T> | undefined, value: T): OneOrMany<T> | undefined {
  if (slot === value) return undefined;
  if (!(slot instanceof Set)) return slot;
  slot.delete(value);
  if (slot.size > 1) return slot;
  return slot.size === 1 ? (slot.values().next().value as T) : undefined;
}

export function hasMember<T>(slot: OneOrMany<T> | undefined, value: T): boolean {
  return slot === value || (slot instanceof Set && slot.has(value));
}

export function memberCount<T>(slot: OneOrMany<T> | undefined): number {
  return slot === undefined ? 0 : slot instanceof Set ? slot.size : 1;
}

/** The members, safe to iterate while the slot changes. */
export function membersOf<T>(slot: OneOrMany<T> | undefined): T[] {
  if (slot === undefined) return [];
  return slot instanceof Set ? [...slot] : [slot];
}
