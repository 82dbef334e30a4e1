/**
 * The slice of the WebSocket API the client uses, written structurally so that both the browser's
 * global `WebSocket` and the `ws` package's class satisfy it without DOM types or @types/ws.
 */

/**
 * A handler slot. Declared through a method so its parameter is checked bivariantly: the DOM and
 * `ws` declare richer event types (`MessageEvent`, `CloseEvent`) than the fields read here.
 */
type Slot<E> = { bivarianceHack(event: E): void }['bivarianceHack'] | null;

/** What the client reads from a message event: text frames arrive as `string`. */
export interface MessageEventLike {
  readonly data: unknown;
}

/** What the client reads from a close event. */
export interface CloseEventLike {
  readonly code: number;
  readonly reason: string;
}

/**
 * A WebSocket as the client drives it. `readyState` follows the standard numbering (1 = OPEN);
 * `close` must eventually fire `onclose`, also for a socket that never opened.
 */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: Slot<unknown>;
  onmessage: Slot<MessageEventLike>;
  onclose: Slot<CloseEventLike>;
  onerror: Slot<unknown>;
}

/** `new (url, protocols)`: the browser's `WebSocket` and `ws`'s default export both fit. */
export type WebSocketConstructor = new (url: string, protocols: string[]) => WebSocketLike;

/** `readyState` of an open socket (same value in the DOM and in `ws`). */
export const WS_OPEN = 1;

/** The global `WebSocket` (browsers, Node ≥ 22), or undefined where there is none (Node 20). */
export function globalWebSocket(): WebSocketConstructor | undefined {
  return (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
}
