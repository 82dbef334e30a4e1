import type { Connection } from './connection.js';

/**
 * One connection, or several. Almost every index entry of the gateway holds exactly one
 * connection (a user's session, a user's own room), and a one-element Set costs ~200 bytes —
 * at 20,000 idle connections, per index, a large part of the per-connection memory budget
 * (docs/benchmarks.md). A Set appears only when a second connection arrives.
 */
export type Slot = Connection | Set<Connection>;

export function withConnection(slot: Slot | undefined, connection: Connection): Slot {
  if (slot === undefined || slot === connection) return connection;
  if (slot instanceof Set) return slot.add(connection);
  return new Set([slot, connection]);
}

/** The slot without `connection`; undefined once it is empty. */
export function withoutConnection(slot: Slot | undefined, connection: Connection): Slot | undefined {
  if (slot === connection) return undefined;
  if (!(slot instanceof Set)) return slot;
  slot.delete(connection);
  if (slot.size > 1) return slot;
  return slot.size === 1 ? slot.values().next().value! : undefined;
}

export function slotHas(slot: Slot | undefined, connection: Connection): boolean {
  return slot === connection || (slot instanceof Set && slot.has(connection));
}

export function slotSize(slot: Slot | undefined): number {
  return slot === undefined ? 0 : slot instanceof Set ? slot.size : 1;
}

/** The members, safe to iterate while the slot changes. */
export function slotMembers(slot: Slot | undefined): Connection[] {
  if (slot === undefined) return [];
  return slot instanceof Set ? [...slot] : [slot];
}
