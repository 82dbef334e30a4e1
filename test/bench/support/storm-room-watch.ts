import { isNewerOffset, parseOffset } from '@wirefleet/shared/protocol';
import type { StormExpectation, StormReport } from './storm-protocol.js';

interface Followed {
  /** Offset of the newest event seen in the room (or where its subscription started). */
  last: string | undefined;
  /** `subscribed` answered since the latest `welcome`. */
  acknowledged: boolean;
  /** `recovered:false` since the latest `welcome`. */
  reset: boolean;
  /** Welcomed again after the kill. */
  reconnected: boolean;
  liveAfterMs: number | null;
}

/**
 * Follows, from the frames the agents' sockets receive, each agent's own node room (one agent
 * per room, so the room names the agent): when it was subscribed again after the kill, and
 * whether the events published meanwhile were replayed without a gap.
 */
export class RoomWatch {
  private readonly rooms = new Map<string, Followed>();
  private expectation: StormExpectation | undefined;
  private notRecovered = 0;
  private silentGaps = 0;
  private attempts = 0;

  follow(rooms: string[]): void {
    for (const room of rooms)
      this.rooms.set(room, {
        last: undefined,
        acknowledged: false,
        reset: false,
        reconnected: false,
        liveAfterMs: null,
      });
  }

  expect(expectation: StormExpectation): void {
    this.expectation = expectation;
  }

  liveCount(): number {
    return [...this.rooms.values()].filter((room) => room.acknowledged).length;
  }

  frame(text: string): void {
    const frame = JSON.parse(text) as {
      type: string;
      sub?: string;
      room?: string;
      offset?: string;
      recovered?: boolean;
    };
    const room = this.rooms.get((frame.type === 'welcome' ? frame.sub : frame.room) ?? '');
    if (!room) return;
    if (frame.type === 'welcome') {
      room.acknowledged = false;
      room.reset = false;
      if (this.expectation) {
        room.reconnected = true;
        this.attempts += 1;
      }
    } else if (frame.type === 'subscribed' && frame.offset !== undefined) {
      room.acknowledged = true;
      if (frame.recovered === false) {
        room.reset = true;
        room.last = frame.offset;
        this.notRecovered += 1;
      } else if (room.last === undefined) room.last = frame.offset;
    } else if (
      frame.type === 'event' &&
      frame.offset !== undefined &&
      isNewerOffset(frame.offset, room.last)
    ) {
      const previous = room.last === undefined ? undefined : parseOffset(room.last);
      const next = parseOffset(frame.offset);
      if (previous && next && previous.epoch === next.epoch && next.seq !== previous.seq + 1 && !room.reset)
        this.silentGaps += next.seq - previous.seq - 1;
      room.last = frame.offset;
    }
    this.checkLive(frame.type === 'welcome' ? frame.sub! : frame.room!, room);
  }

  private checkLive(name: string, room: Followed): void {
    const expectation = this.expectation;
    if (!expectation || !room.reconnected || !room.acknowledged || room.liveAfterMs !== null) return;
    const top = expectation.tops[name];
    if (!room.reset && top !== undefined && (room.last === undefined || isNewerOffset(top, room.last)))
      return;
    room.liveAfterMs = Date.now() - expectation.killedAt;
  }

  /** The counts this watch can give; gaveUp and logged are the host's. */
  report(): Omit<StormReport, 'gaveUp' | 'logged'> {
    const rooms = [...this.rooms.values()];
    return {
      clients: rooms.length,
      liveBefore: this.liveCount(),
      liveAfterMs: rooms.map((room) => room.liveAfterMs),
      // Welcomes after the kill: failed attempts of the library are in `logged` (warnings).
      attempts: this.attempts,
      failures: {},
      notRecovered: this.notRecovered,
      silentGaps: this.silentGaps,
      errors: [],
    };
  }
}
