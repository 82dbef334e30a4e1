import type { ServerFrame } from '../protocol/frames.js';

type Json = Record<string, unknown>;

const isString = (value: unknown): value is string => typeof value === 'string';
const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
const optionalString = (value: unknown): boolean => value === undefined || isString(value);

/**
 * Checks, per frame type, exactly the fields the client reads. Deliberately lighter than a
 * schema library: the client ships to browsers, and a frame that passes here cannot make the
 * client misbehave; extra fields are ignored so the gateway can add some.
 */
const validators: Record<ServerFrame['type'], (frame: Json) => boolean> = {
  welcome: (f) => isString(f.conn_id) && isString(f.sub) && Array.isArray(f.rooms) && isNumber(f.expires_at),
  subscribed: (f) =>
    isString(f.room) && isString(f.offset) && typeof f.recovered === 'boolean' && optionalString(f.id),
  unsubscribed: (f) => isString(f.room) && optionalString(f.id),
  published: (f) => isString(f.room) && isString(f.offset) && optionalString(f.id),
  refreshed: (f) => isNumber(f.expires_at) && optionalString(f.id),
  event: (f) => isString(f.room) && isString(f.event) && isString(f.offset) && 'data' in f,
  error: (f) => isString(f.code) && isString(f.message) && optionalString(f.id),
  pong: (f) => optionalString(f.id),
};

/** Parses one text frame from the gateway; undefined when it is not a well-formed known frame. */
export function parseServerFrame(text: string): ServerFrame | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // Malformed JSON is reported by the caller as `bad_frame`; the exception adds nothing.
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const frame = value as Json;
  if (!isString(frame.type) || !Object.hasOwn(validators, frame.type)) return undefined;
  const valid = validators[frame.type as ServerFrame['type']](frame);
  return valid ? (frame as unknown as ServerFrame) : undefined;
}
