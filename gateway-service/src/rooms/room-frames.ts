import type { BusEvent } from '@wirefleet/shared/bus';
import { type EventFrame, isNewerOffset } from '@wirefleet/shared/protocol';
import type { GapMark } from '../connections/connection.js';
import type { JoinRequest, JoinResult } from './room-hub-contracts.js';

/** The frames a room sends: `subscribed` for a join, `event` for each Bus event (serialised once). */

export function subscribedFrame(room: string, result: JoinResult, id: string | undefined): string {
  return JSON.stringify({
    type: 'subscribed',
    room,
    offset: result.offset,
    recovered: result.recovered,
    ...(id ? { id } : {}),
  });
}

export function toEventFrame(event: BusEvent): EventFrame {
  return {
    type: 'event',
    room: event.room,
    event: event.event,
    data: event.data,
    offset: event.offset,
    ts: event.ts,
  };
}

/** Each event's frame, kept while the event is: a replay shared by many joins is serialised once. */
const serialised = new WeakMap<BusEvent, string>();

export function serialiseEvent(event: BusEvent): string {
  let frame = serialised.get(event);
  if (frame === undefined) {
    frame = JSON.stringify(toEventFrame(event));
    serialised.set(event, frame);
  }
  return frame;
}

/**
 * What a completed join sends, in order: the greeting, the `subscribed` answer, the history
 * replayed after `since`, then the live events buffered while joining that history did not
 * already hold (and gap notices where they happened).
 */
export function joinFrames(
  room: string,
  { since, acknowledge, greeting }: JoinRequest,
  history: { events: BusEvent[]; recovered: boolean; offset: string },
  buffered: Array<EventFrame | GapMark>,
  result: JoinResult,
): string[] {
  const frames: string[] = greeting === undefined ? [] : [greeting];
  if (acknowledge) frames.push(subscribedFrame(room, result, acknowledge.id));
  let last = history.offset;
  if (since !== undefined && history.recovered) {
    for (const event of history.events) frames.push(serialiseEvent(event));
  }
  for (const frame of buffered) {
    if (frame.type === 'gap') {
      frames.push(subscribedFrame(room, { offset: frame.offset, recovered: false }, undefined));
      last = frame.offset;
    } else if (isNewerOffset(frame.offset, last)) {
      frames.push(JSON.stringify(frame));
      last = frame.offset;
    }
  }
  return frames;
}
