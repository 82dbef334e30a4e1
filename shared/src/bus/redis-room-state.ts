import type { BusEvent, BusGap } from './bus.js';

/** What a RedisBus keeps per room it is subscribed to on this instance. */

export type Listener = (event: BusEvent) => void;
export interface ListenerEntry {
  listener: Listener;
  onGap?: ((gap: BusGap) => void) | undefined;
}

export interface RoomState {
  /** Usually one (the gateway's room hub); an array is a fraction of a Set's size. */
  listeners: ListenerEntry[];
  /** Newest offset delivered to the listeners; live duplicates of catch-up events are dropped. */
  last?: string;
  /** Where a catch-up after a reconnect starts: `last`, once the room has seen an event. */
  resumeFrom?: string;
  /** Until then: when the room was joined, on Redis's clock (ms); a catch-up replays from there. */
  joinedAt?: number;
  /** Set while a catch-up runs: live events wait here so they cannot overtake older missed ones. */
  buffer?: BusEvent[];
}

export function removeListener(state: RoomState, entry: ListenerEntry): void {
  const index = state.listeners.indexOf(entry);
  if (index >= 0) state.listeners.splice(index, 1);
}
