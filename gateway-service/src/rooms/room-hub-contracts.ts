import type { Connection } from '../connections/connection.js';
import type { WriteCoalescing } from './write-coalescing.js';

/** The RoomHub's contracts with its surroundings: the uWS transport, its options, a join. */

/** How the hub reaches uWebSockets.js: one topic per room, and per-socket sends. */
export interface TopicTransport {
  /** Sends `frame` to every socket subscribed to `topic`; returns how many it reached. */
  publish(topic: string, frame: string): number;
  send(connection: Connection, frames: string[]): void;
  subscribe(connection: Connection, topic: string): void;
  unsubscribe(connection: Connection, topic: string): void;
}

/**
 * Write coalescing (GATEWAY_WRITE_DELAY_MS above GATEWAY_WRITE_DELAY_ABOVE_RATE; see
 * write-coalescing.ts): while it holds, room events wait up to the delay and are handed to uWS
 * in one go, which merges everything a socket is due into one write. Observers (logout, node
 * deletion) still act at once.
 */
export interface HubOptions {
  coalescing: WriteCoalescing;
  consumers: ConsumerChecks;
}

/**
 * Slow-consumer detection at delivery time. Checking every member on every event would cost
 * a native call per delivery; instead a room's members are checked each time the room has
 * published `everyBytes` (a fraction of the buffer limit), so a burst cannot carry a reader
 * from "fine" to uWS's hard limit unnoticed. A periodic sweep covers the rest.
 */
export interface ConsumerChecks {
  everyBytes: number;
  check(members: Iterable<Connection>): void;
  delivered(room: string, deliveries: number): void;
}

export const NO_CONSUMER_CHECKS: ConsumerChecks = {
  everyBytes: Number.POSITIVE_INFINITY,
  check: () => undefined,
  delivered: () => undefined,
};

/** How a join is asked for. */
export interface JoinRequest {
  /** Replay the events after this offset before live ones. */
  since?: string | undefined;
  /** Answer with a `subscribed` frame (carrying this id) before the replay: a client's `subscribe`. */
  acknowledge?: { id?: string | undefined } | undefined;
  /** A frame to send first, once the connection is live in the room: the automatic join's `welcome`. */
  greeting?: string | undefined;
}

export interface JoinResult {
  offset: string;
  recovered: boolean;
}
