import type { FrameErrorCode } from '../protocol/frames.js';

/** Failures that originate in the client rather than in an `error` frame from the gateway. */
export type ClientErrorCode =
  /** The socket reported an error; a `close` follows and decides about reconnecting. */
  | 'transport'
  /** The gateway sent something that is not a JSON text frame of a known type. */
  | 'bad_frame'
  /** A subscriber's event handler or the `onResync` callback threw. */
  | 'handler_failed'
  /** The token provider rejected while connecting; the client retries with back-off. */
  | 'token_unavailable'
  /** Refreshing the token over the open connection failed; expiry (4001) will reconnect. */
  | 'refresh_failed'
  /** No open connection to send a request on. */
  | 'not_connected'
  /** The connection closed (or `stop()` was called) before the reply arrived. */
  | 'disconnected'
  /** No reply within `requestTimeoutMs`. */
  | 'timeout'
  /** The frame is larger than the gateway accepts; it was not sent (sending would cost the connection). */
  | 'frame_too_large'
  /** The frame could not be serialised (e.g. a BigInt or a cycle in `data`). */
  | 'invalid_frame';

/**
 * Everything the client rejects with or reports through its `error` event. `code` is either a
 * {@link ClientErrorCode} or the `code` of the gateway's `error` frame; `room` is set when the
 * failure concerns one room (e.g. a refused `subscribe`).
 */
export class RealtimeClientError extends Error {
  readonly code: ClientErrorCode | FrameErrorCode;
  readonly room: string | undefined;

  constructor(
    code: ClientErrorCode | FrameErrorCode,
    message: string,
    options: { cause?: unknown; room?: string } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'RealtimeClientError';
    this.code = code;
    this.room = options.room;
  }
}

/** Wraps anything thrown by application code (handlers, callbacks) for the `error` event. */
export function toClientError(error: unknown, room?: string): RealtimeClientError {
  if (error instanceof RealtimeClientError) {
    if (room === undefined || error.room !== undefined) return error;
    return new RealtimeClientError(error.code, error.message, { cause: error.cause, room });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new RealtimeClientError(
    'handler_failed',
    message,
    room === undefined ? { cause: error } : { cause: error, room },
  );
}
