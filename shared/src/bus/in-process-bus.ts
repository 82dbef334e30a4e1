import type { Logger } from 'pino';
import { createLogger, subsystemLogger } from '../logging/index.js';
import {
  assertRoomAndEvent,
  type Bus,
  type BusEvent,
  encodeData,
  formatOffset,
  type HistoryResult,
  parseOffset,
  positiveInteger,
} from './bus.js';

export interface InProcessBusOptions {
  /** Events kept per room for `history` (default 1,000). */
  historySize?: number;
  logger?: Logger;
}

type Listener = (event: BusEvent) => void;

interface Room {
  seq: number;
  /** Ring buffer: the event with seq `s` sits at index `(s - 1) % historySize`. */
  ring: BusEvent[];
  listeners: Set<{ listener: Listener }>;
}

// Epochs must differ between instances in one process (tests, restarts in-process) and should
// grow over time, like the Redis epochs derived from the server clock.
let lastEpoch = 0;
function nextEpoch(): string {
  lastEpoch = Math.max(Date.now() * 1000, lastEpoch + 1);
  return String(lastEpoch);
}

/**
 * The Bus for single-process mode: history lives in memory (lost on restart, which the new
 * epoch makes visible as recovered:false) and delivery is synchronous, inside `publish`.
 */
export class InProcessBus implements Bus {
  private readonly epoch = nextEpoch();
  private readonly historySize: number;
  private readonly logger: Logger;
  private readonly rooms = new Map<string, Room>();
  /** Deliveries not yet made; a listener that publishes must not overtake the event it handles. */
  private readonly pending: BusEvent[] = [];
  private delivering = false;
  private closed = false;

  constructor(options: InProcessBusOptions = {}) {
    this.historySize = positiveInteger('historySize', options.historySize ?? 1000);
    this.logger = subsystemLogger(options.logger ?? createLogger({ service: 'bus' }), 'bus');
  }

  async publish(room: string, event: string, data: unknown): Promise<BusEvent> {
    this.assertOpen();
    assertRoomAndEvent(room, event);
    // Round-trip through JSON so single-process mode behaves like Redis (no shared mutable
    // payloads, no values that only survive in memory).
    const payload: unknown = JSON.parse(encodeData(data));
    const state = this.room(room);
    state.seq += 1;
    const busEvent: BusEvent = Object.freeze({
      room,
      event,
      data: payload,
      offset: formatOffset(this.epoch, state.seq),
      ts: Date.now(),
    });
    state.ring[(state.seq - 1) % this.historySize] = busEvent;
    this.pending.push(busEvent);
    this.drain();
    return busEvent;
  }

  // No `onGap`: in one process nothing can be missed, so continuity never breaks.
  async subscribe(room: string, listener: Listener): Promise<() => Promise<void>> {
    return this.subscribeNow(room, listener);
  }

  /** Always at once: there is nothing to wait for in one process. */
  subscribeNow(room: string, listener: Listener): () => Promise<void> {
    this.assertOpen();
    assertRoomAndEvent(room);
    // A wrapper per call, so one function subscribed twice is two subscriptions.
    const entry = { listener };
    const state = this.room(room);
    state.listeners.add(entry);
    return async () => {
      state.listeners.delete(entry);
    };
  }

  async history(room: string, since?: string): Promise<HistoryResult> {
    this.assertOpen();
    assertRoomAndEvent(room);
    const state = this.rooms.get(room);
    const top = state?.seq ?? 0;
    const offset = formatOffset(this.epoch, top);
    if (since === undefined) return { events: [], recovered: true, offset };
    const parsed = parseOffset(since);
    const oldestKept = Math.max(1, top - this.historySize + 1);
    if (!parsed || parsed.epoch !== this.epoch || parsed.seq > top || parsed.seq + 1 < oldestKept) {
      return { events: [], recovered: false, offset };
    }
    const events: BusEvent[] = [];
    for (let seq = parsed.seq + 1; seq <= top; seq++) {
      events.push(state!.ring[(seq - 1) % this.historySize]!);
    }
    return { events, recovered: true, offset };
  }

  async ping(): Promise<boolean> {
    return !this.closed;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const state of this.rooms.values()) state.listeners.clear();
  }

  private room(name: string): Room {
    let state = this.rooms.get(name);
    if (!state) {
      state = { seq: 0, ring: [], listeners: new Set() };
      this.rooms.set(name, state);
    }
    return state;
  }

  private drain(): void {
    if (this.delivering) return;
    this.delivering = true;
    try {
      for (let next = this.pending.shift(); next; next = this.pending.shift()) {
        const listeners = this.rooms.get(next.room)?.listeners;
        // Snapshot: listeners may unsubscribe (or subscribe others) while being called.
        for (const entry of [...(listeners ?? [])]) {
          if (!listeners?.has(entry)) continue;
          try {
            entry.listener(next);
          } catch (err) {
            this.logger.error(
              { err, room: next.room, event: next.event, offset: next.offset },
              'bus listener threw',
            );
          }
        }
      }
    } finally {
      this.delivering = false;
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('bus is closed');
  }
}
