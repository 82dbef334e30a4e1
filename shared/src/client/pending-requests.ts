import { encodeFrame, type OutgoingFrame } from './client-frames.js';
import { RealtimeClientError } from './errors.js';
import type { TimerHandle } from './options.js';
import { WS_OPEN, type WebSocketLike } from './websocket.js';

interface Pending {
  resolve: (frame: ReplyFrame) => void;
  reject: (error: RealtimeClientError) => void;
  timer: TimerHandle | undefined;
}

/** Server frames that answer a client frame by echoing its `id`. */
export type ReplyFrame = { type: string; id?: string };

export interface PendingRequestsOptions {
  setTimer: (callback: () => void, ms: number) => TimerHandle;
  clearTimer: (handle: TimerHandle) => void;
  /** 0 disables the timeout. */
  requestTimeoutMs: number;
  maxFrameBytes: number;
}

/**
 * Requests awaiting the frame that echoes their `id` (`c1`, `c2`, … per client). Every request
 * settles exactly once: by its reply, by an `error` frame, by its timeout, or by {@link rejectAll}
 * when the connection ends.
 */
export class PendingRequests {
  private readonly pending = new Map<string, Pending>();
  private nextId = 0;

  constructor(private readonly options: PendingRequestsOptions) {}

  /** Sends `frame` with a fresh id on `socket` and waits for the reply. Never throws synchronously. */
  send(socket: WebSocketLike | undefined, frame: OutgoingFrame): Promise<ReplyFrame> {
    if (!socket || socket.readyState !== WS_OPEN) {
      return Promise.reject(
        new RealtimeClientError('not_connected', `cannot send ${frame.type}: not connected`),
      );
    }
    const id = `c${++this.nextId}`;
    let text: string;
    try {
      text = encodeFrame(frame, id, this.options.maxFrameBytes);
    } catch (error) {
      return Promise.reject(error);
    }
    const reply = this.add(id);
    try {
      socket.send(text);
    } catch (cause) {
      this.reject(id, new RealtimeClientError('transport', `could not send ${frame.type}`, { cause }));
    }
    return reply;
  }

  /** Settles `id` with its reply; false when nothing was waiting for it. */
  resolve(id: string, frame: ReplyFrame): boolean {
    const entry = this.settle(id);
    entry?.resolve(frame);
    return entry !== undefined;
  }

  reject(id: string, error: RealtimeClientError): boolean {
    const entry = this.settle(id);
    entry?.reject(error);
    return entry !== undefined;
  }

  /** Rejects everything still waiting, e.g. because the connection closed. */
  rejectAll(error: () => RealtimeClientError): void {
    for (const id of [...this.pending.keys()]) this.reject(id, error());
  }

  get size(): number {
    return this.pending.size;
  }

  private add(id: string): Promise<ReplyFrame> {
    const { requestTimeoutMs: timeoutMs, setTimer } = this.options;
    return new Promise<ReplyFrame>((resolve, reject) => {
      const timeout = () =>
        this.reject(id, new RealtimeClientError('timeout', `no reply to ${id} within ${timeoutMs} ms`));
      const timer = timeoutMs > 0 ? setTimer(timeout, timeoutMs) : undefined;
      this.pending.set(id, { resolve, reject, timer });
    });
  }

  private settle(id: string): Pending | undefined {
    const entry = this.pending.get(id);
    if (!entry) return undefined;
    this.pending.delete(id);
    if (entry.timer !== undefined) this.options.clearTimer(entry.timer);
    return entry;
  }
}
