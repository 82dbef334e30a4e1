import type { Connection } from '../connections/connection.js';
import type { OneOrMany } from '../connections/one-or-many.js';

/** What the room hub keeps per room with local members. */
export interface RoomState {
  /** Local members, live or joining; the room is dropped from the Bus when the last leaves. */
  members: OneOrMany<Connection>;
  /**
   * Members still joining (their live events are buffered). Usually absent, so delivery does
   * not walk all members of a large room for every event.
   */
  joining?: Set<Connection> | undefined;
  /** Bytes published to the room since its members' buffers were last checked. */
  bytesSinceCheck: number;
  /** Resolves once the Bus delivers this room here; yields the function that stops it. */
  subscription: Promise<() => Promise<void>>;
  /** Set once `subscription` resolved: a join without `since` can then complete at once. */
  live?: boolean;
}

/** One join in flight per connection and room. */
export function joinKey(connection: Connection, room: string): string {
  return `${connection.id}\u0000${room}`;
}

export function stopJoining(state: RoomState, connection: Connection): void {
  state.joining?.delete(connection);
  if (state.joining?.size === 0) state.joining = undefined;
}

export function dropPending(connection: Connection, room: string): void {
  connection.pending?.delete(room);
  if (connection.pending?.size === 0) connection.pending = undefined;
}
