import type { ClientFrame } from '../protocol/frames.js';
import { RealtimeClientError } from './errors.js';

/** A client frame before the client assigns its `id` (Omit per union member, to keep the union). */
export type OutgoingFrame = WithoutId<ClientFrame>;
type WithoutId<F> = F extends unknown ? Omit<F, 'id'> : never;

/**
 * Serialises `frame` with `id`. Throws `invalid_frame` when it is not JSON-serialisable and
 * `frame_too_large` above `maxBytes` (UTF-8): the gateway would close the whole connection with
 * 4000 for an oversized frame, so refusing it here costs only this request.
 */
export function encodeFrame(frame: OutgoingFrame, id: string, maxBytes: number): string {
  let text: string;
  try {
    text = JSON.stringify({ ...frame, id });
  } catch (cause) {
    throw new RealtimeClientError('invalid_frame', `${frame.type} frame is not serialisable`, { cause });
  }
  const bytes = new TextEncoder().encode(text).length;
  if (bytes > maxBytes) {
    throw new RealtimeClientError(
      'frame_too_large',
      `${frame.type} frame is ${bytes} bytes; the gateway accepts ${maxBytes}`,
    );
  }
  return text;
}
