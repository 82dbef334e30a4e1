import { isNewerOffset } from '../protocol/offsets.js';
import type { EventFrame } from '../protocol/frames.js';

/** Receives the events of one room, each at most once and in offset order. */
export type EventHandler = (event: EventFrame) => void;

interface RoomEntry {
  /** One entry per `subscribe()` call, so the same function subscribed twice is two handlers. */
  handlers: Set<{ handler: EventHandler }>;
  /** Offset of the newest event delivered (or the position a fresh subscription started at). */
  lastOffset: string | undefined;
  /** The `since` sent with this connection's `subscribe`; undefined when it was a fresh one. */
  requestedSince: string | undefined;
  /**
   * A `subscribe` with `since` is in flight on this connection. The gateway answers
   * `subscribed` first and then replays everything after `since` in order, so events that
   * arrive before the answer (a room the gateway joined on its own, like the node's room)
   * are skipped here rather than advancing `lastOffset` past the replay.
   */
  awaitingReplay: boolean;
}

/** Outcome of {@link Subscriptions.accept} for one incoming event. */
export type Acceptance =
  | { kind: 'deliver'; handlers: EventHandler[] }
  | { kind: 'duplicate'; lastOffset: string }
  | { kind: 'before_replay' }
  | { kind: 'unknown_room' };

/**
 * The rooms the application subscribed to, their handlers and the last offset seen in each. It
 * outlives connections: that is what lets a reconnect resubscribe with `since`. No I/O here; the
 * client decides when to send which frame from the return values.
 */
export class Subscriptions {
  private readonly rooms = new Map<string, RoomEntry>();

  /** Adds a handler; true when it is the room's first (so a `subscribe` frame is due). */
  add(room: string, handler: EventHandler): { first: boolean; remove: () => boolean } {
    let entry = this.rooms.get(room);
    const first = entry === undefined;
    if (!entry) {
      entry = {
        handlers: new Set(),
        lastOffset: undefined,
        requestedSince: undefined,
        awaitingReplay: false,
      };
      this.rooms.set(room, entry);
    }
    const token = { handler };
    const owner = entry;
    // remove() answers true only for the call that removed the room's last handler.
    const remove = (): boolean => {
      if (!owner.handlers.delete(token) || owner.handlers.size > 0) return false;
      if (this.rooms.get(room) === owner) this.rooms.delete(room);
      return true;
    };
    entry.handlers.add(token);
    return { first, remove };
  }

  has(room: string): boolean {
    return this.rooms.has(room);
  }

  get roomNames(): string[] {
    return [...this.rooms.keys()];
  }

  lastOffset(room: string): string | undefined {
    return this.rooms.get(room)?.lastOffset;
  }

  /** The `since` to send for `room` on this connection (the last offset seen), and records it. */
  prepareSubscribe(room: string): string | undefined {
    const entry = this.rooms.get(room);
    if (!entry) return undefined;
    entry.requestedSince = entry.lastOffset;
    entry.awaitingReplay = entry.requestedSince !== undefined;
    return entry.requestedSince;
  }

  /**
   * Applies a `subscribed` answer; true when the application must resync the room. A fresh
   * subscription starts at `offset`. After `recovered:false` the gap cannot be replayed, so the
   * room continues from `offset` even if that sorts before what we saw (its history was reset).
   * After a recovered `since` the offset is not taken: the replay moves `lastOffset` itself, and
   * the contract does not promise the replay arrives before this answer.
   */
  acknowledge(room: string, offset: string, recovered: boolean): boolean {
    const entry = this.rooms.get(room);
    if (!entry) return false;
    entry.awaitingReplay = false;
    if (!recovered) {
      entry.lastOffset = offset;
      return true;
    }
    if (entry.requestedSince === undefined && isNewerOffset(offset, entry.lastOffset)) {
      entry.lastOffset = offset;
    }
    return false;
  }

  /** Decides whether to deliver `event`; advances the room's last offset when it does. */
  accept(event: EventFrame): Acceptance {
    const entry = this.rooms.get(event.room);
    if (!entry) return { kind: 'unknown_room' };
    if (entry.awaitingReplay) return { kind: 'before_replay' };
    if (entry.lastOffset !== undefined && !isNewerOffset(event.offset, entry.lastOffset)) {
      return { kind: 'duplicate', lastOffset: entry.lastOffset };
    }
    entry.lastOffset = event.offset;
    return { kind: 'deliver', handlers: [...entry.handlers].map((token) => token.handler) };
  }
}
