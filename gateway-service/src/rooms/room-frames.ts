import type { BusEvent } from '@wirefleet/shared/bus';
import type { EventFrame } from '@wirefleet/shared/protocol';
import type { JoinResult } from './room-hub-contracts.js';

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
