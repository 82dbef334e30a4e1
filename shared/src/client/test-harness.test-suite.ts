// Test support, not a suite: the `.test-suite.ts` suffix keeps it out of the build and the lint
// rules for production code, like the other test helpers in shared/src.
import { vi } from 'vitest';
import type { EventFrame, ServerFrame } from '../protocol/frames.js';
import type { RealtimeClientError } from './errors.js';
import type { CloseInfo, ConnectionState, RealtimeClientOptions, TokenRequest } from './options.js';
import { RealtimeClient } from './realtime-client.js';
import type { CloseEventLike, MessageEventLike, WebSocketConstructor, WebSocketLike } from './websocket.js';

/** A scripted socket: the test plays the gateway through `open`, `receive` and `drop`. */
export interface FakeSocket extends WebSocketLike {
  readonly url: string;
  readonly protocols: string[];
  /** Raw text frames the client sent. */
  readonly sent: string[];
  /** What the client passed to close(), if it did. */
  closedWith: { code: number | undefined; reason: string | undefined } | undefined;
  /** Parsed frames the client sent. */
  frames(): Array<Record<string, unknown>>;
  open(): void;
  receive(frame: ServerFrame | Record<string, unknown>): void;
  receiveRaw(data: unknown): void;
  /** The server (or network) closes the connection. */
  drop(code: number, reason?: string): void;
}

/** A WebSocket class for the client plus every socket it made, newest last. */
export function fakeWebSockets(): { Impl: WebSocketConstructor; sockets: FakeSocket[] } {
  const sockets: FakeSocket[] = [];

  class Fake implements FakeSocket {
    readyState = 0;
    readonly sent: string[] = [];
    closedWith: FakeSocket['closedWith'] = undefined;
    onopen: ((event: unknown) => void) | null = null;
    onmessage: ((event: MessageEventLike) => void) | null = null;
    onclose: ((event: CloseEventLike) => void) | null = null;
    onerror: ((event: unknown) => void) | null = null;

    constructor(
      readonly url: string,
      readonly protocols: string[],
    ) {
      sockets.push(this);
    }

    send(data: string): void {
      if (this.readyState !== 1) throw new Error('send on a socket that is not open');
      this.sent.push(data);
    }

    close(code?: number, reason?: string): void {
      this.closedWith = { code, reason };
      if (this.readyState === 3) return;
      this.readyState = 2;
      // Like real sockets, the close event comes later, after the closing handshake.
      queueMicrotask(() => this.drop(code ?? 1005, reason ?? ''));
    }

    frames(): Array<Record<string, unknown>> {
      return this.sent.map((text) => JSON.parse(text) as Record<string, unknown>);
    }

    open(): void {
      this.readyState = 1;
      this.onopen?.({ type: 'open' });
    }

    receive(frame: ServerFrame | Record<string, unknown>): void {
      this.receiveRaw(JSON.stringify(frame));
    }

    receiveRaw(data: unknown): void {
      this.onmessage?.({ data });
    }

    drop(code: number, reason = ''): void {
      if (this.readyState === 3) return;
      this.readyState = 3;
      this.onclose?.({ code, reason });
    }
  }

  return { Impl: Fake, sockets };
}

export const tick = () => vi.advanceTimersByTimeAsync(0);
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** A client on fake sockets with fake timers' clock, recording what it emits. */
export function setup(overrides: Partial<RealtimeClientOptions> = {}) {
  const { Impl, sockets } = fakeWebSockets();
  let issued = 0;
  const token = vi.fn(async (_request?: TokenRequest) => `token-${++issued}`);
  const client = new RealtimeClient({
    url: 'ws://gateway.test/ws',
    token,
    WebSocketImpl: Impl,
    random: () => 0.5, // no jitter: delays are exact
    ...overrides,
  });
  const errors: RealtimeClientError[] = [];
  const closes: CloseInfo[] = [];
  const states: ConnectionState[] = [];
  client.on('error', (error) => errors.push(error));
  client.on('close', (info) => closes.push(info));
  client.on('state', ({ state }) => states.push(state));
  const latest = (): FakeSocket => sockets.at(-1)!;
  /** Opens the newest socket and welcomes it, as the gateway does. */
  const accept = (expiresIn = 900) => {
    latest().open();
    latest().receive({
      type: 'welcome',
      conn_id: 'c',
      sub: 'user:7',
      rooms: ['user:7'],
      expires_at: nowSeconds() + expiresIn,
    });
  };
  /** Lets the pending reconnect happen. */
  const reconnect = () => vi.advanceTimersByTimeAsync(closes.at(-1)!.reconnectInMs!);
  return { client, sockets, token, errors, closes, states, latest, accept, reconnect };
}

export const event = (room: string, offset: string): EventFrame => ({
  type: 'event',
  room,
  event: 'node.updated',
  data: { offset },
  offset,
  ts: 0,
});
