/**
 * One event of a room as every subscriber and every history reader sees it. Listeners share
 * one object per delivery, so they must treat it as read-only.
 */
export interface BusEvent {
  room: string;
  /** Dotted name, e.g. `session.revoked`, `config.changed`. */
  event: string;
  /** The published payload after a JSON round trip (`undefined` becomes `null`). */
  data: unknown;
  /** Where this event sits in the room's history; see {@link compareOffsets}. */
  offset: string;
  /** When the event was appended, in ms since the epoch (the Bus's clock, not the publisher's). */
  ts: number;
}

/** What {@link Bus.subscribe}'s `onGap` is told: events of `room` up to `offset` may have been missed. */
export interface BusGap {
  room: string;
  /** The room's current top: live delivery continues after it. */
  offset: string;
}

/** Answer of {@link Bus.history}. */
export interface HistoryResult {
  /** Events after `since`, oldest first; always empty when `recovered` is false. */
  events: BusEvent[];
  /**
   * False when the events after `since` can no longer be given in full: history was trimmed
   * past `since`, the room's history was reset (new epoch), or `since` is not an offset this
   * room issued. The caller must then resync from authoritative state and continue from `offset`.
   */
  recovered: boolean;
  /** Current top offset of the room: the offset to pass as `since` next time. */
  offset: string;
}

/**
 * Carries room events between services: the auth-api publishes, every gateway instance
 * subscribes to the rooms it has local connections for and replays history to clients that
 * reconnect with `since`.
 *
 * Offsets are opaque to clients, only meaningful for the room that issued them, and strictly
 * increase within one history generation of a room. Delivery is at most once per listener and
 * in offset order. To hand a reconnecting client a gap-free stream, subscribe first, then call
 * `history(room, since)` and drop live events whose offset is not after the last one sent
 * (compare with {@link compareOffsets}).
 */
export interface Bus {
  /**
   * Appends to the room's history and delivers to every subscriber of the room, on every
   * instance, atomically (history + publish in one step), so history and live delivery agree
   * on content and order. Returns the event with its offset. `data` must be JSON-serialisable.
   * A rejection means the outcome is unknown (the event may still have been appended).
   */
  publish(room: string, event: string, data: unknown): Promise<BusEvent>;
  /**
   * Delivers live events of `room` to `listener` until the returned function is called. Every
   * event published after the returned promise resolves is delivered (events published just
   * before may be too). An instance keeps nothing for a room once its last listener leaves. A
   * listener that throws is logged and does not affect the others. Calling the returned
   * function more than once is harmless.
   *
   * `onGap` is called when the Bus can no longer vouch that the listener received every event
   * of the room: after a lost connection, when the events published meanwhile cannot be
   * replayed from history (history was reset, e.g. Redis restarted empty, or trimmed), or a
   * catch-up failed. It is called before any event after the gap is delivered, so a listener
   * can tell its own consumers to resync and then carry on from `gap.offset`.
   */
  subscribe(
    room: string,
    listener: (event: BusEvent) => void,
    onGap?: (gap: BusGap) => void,
  ): Promise<() => Promise<void>>;
  /**
   * {@link subscribe} at once, when the Bus can start delivering `room` without a round trip
   * (its underlying channel is already live on this instance); undefined when it cannot, and
   * nothing was subscribed. When it returns, every event published after it returned is
   * delivered. A gateway uses it so that accepting a connection into its own room costs no
   * Redis command: the greeting then leaves in the same write as the upgrade's 101.
   */
  subscribeNow(
    room: string,
    listener: (event: BusEvent) => void,
    onGap?: (gap: BusGap) => void,
  ): (() => Promise<void>) | undefined;
  /**
   * Events after `since` (exclusive), oldest first. recovered=false when history no longer
   * reaches back to `since` or the room's history was reset (epoch changed) since that offset
   * was issued — never a silent gap. since undefined → no events, recovered true, just the
   * current offset.
   */
  history(room: string, since?: string): Promise<HistoryResult>;
  /** Reachability for /readyz: false when the Bus cannot currently publish or receive. */
  ping(): Promise<boolean>;
  /** Drops every subscription and releases connections; the Bus is unusable afterwards. */
  close(): Promise<void>;
}

// Offsets are protocol (shared/src/protocol/offsets.ts); the bus implementations import them from here.
export { type ParsedOffset, compareOffsets, formatOffset, parseOffset } from '../protocol/offsets.js';

const MAX_ROOM_LENGTH = 200;

/**
 * Rooms and event names end up in Redis keys, channels and log lines; reject what would make
 * those ambiguous or unbounded rather than encode it.
 */
export function assertRoomAndEvent(room: string, event?: string): void {
  if (typeof room !== 'string' || room.length === 0 || room.length > MAX_ROOM_LENGTH || /\s/.test(room)) {
    throw new TypeError(
      `invalid bus room ${JSON.stringify(room)}: 1-${MAX_ROOM_LENGTH} chars, no whitespace`,
    );
  }
  if (event !== undefined && (typeof event !== 'string' || event.length === 0 || event.length > 100)) {
    throw new TypeError(`invalid bus event name ${JSON.stringify(event)}`);
  }
}

/** Serialises `data` the way every Bus transports it; throws when it is not JSON-serialisable. */
export function encodeData(data: unknown): string {
  const json = JSON.stringify(data ?? null) as string | undefined;
  if (json === undefined) throw new TypeError('bus event data must be JSON-serialisable');
  return json;
}

/** Validates a size or duration option; returns it unchanged. */
export function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1)
    throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}
