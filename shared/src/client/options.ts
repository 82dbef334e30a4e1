import type { ServerFrame } from '../protocol/frames.js';
import { type BackoffOptions, DEFAULT_BACKOFF } from './backoff.js';
import type { RealtimeClientError } from './errors.js';
import { globalWebSocket, type WebSocketConstructor } from './websocket.js';

/** What the client tells the token provider about the token it needs. */
export interface TokenRequest {
  /**
   * true: the token last used was refused (close 4001) or is about to expire and the provider
   * returned it again — do not answer from a cache, obtain a new one (e.g. via the refresh token).
   */
  forceRefresh: boolean;
}

/**
 * Returns an access token for the gateway: a cached one while it is valid, a new one when asked
 * to force. A rejection is reported as `token_unavailable` and retried with back-off; to give up
 * (e.g. the user logged out), call `stop()`.
 */
export type TokenProvider = (request?: TokenRequest) => Promise<string>;

/** Opaque handle of an injected timer. */
export type TimerHandle = unknown;

/** Minimal logger; pino's and the browser console's methods both fit. Never given a token. */
export interface ClientLogger {
  debug(context: object, message: string): void;
  info(context: object, message: string): void;
  warn(context: object, message: string): void;
  error(context: object, message: string): void;
}

/**
 * `idle` before start(); `connecting` during the first attempt; `open` once the socket is open
 * (before `welcome`); `reconnecting` while waiting for or making a later attempt; `stopped` after
 * stop() or a terminal close (start() may be called again).
 */
export type ConnectionState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'stopped';

export interface RealtimeClientOptions {
  /** e.g. `wss://gateway.example/ws`. */
  url: string;
  token: TokenProvider;
  /** Defaults to the global `WebSocket`; pass `ws`'s default export in Node 20. */
  WebSocketImpl?: WebSocketConstructor;
  /**
   * Reconnect delays; `resetAfterMs` (default 10 s) is how long a welcomed connection must last
   * for the next drop to start again from `initialMs`.
   */
  backoff?: Partial<BackoffOptions> & { resetAfterMs?: number };
  /** Refresh the token this long before `expires_at` (default 60). */
  refreshBeforeExpirySeconds?: number;
  /** How long publish/ping/refresh wait for their reply (default 10 000 ms; 0 = forever). */
  requestTimeoutMs?: number;
  /** Largest frame sent, in UTF-8 bytes; matches the gateway's GATEWAY_MAX_PAYLOAD (default 64 KiB). */
  maxFrameBytes?: number;
  /** How long stop() waits for the closing handshake before giving up on it (default 5 000 ms). */
  closeTimeoutMs?: number;
  /** Called (as well as the `resync` event) when a room's missed events cannot be replayed. */
  onResync?: (room: string) => void;
  random?: () => number;
  /** Wall clock in ms since the epoch; compared with the gateway's `expires_at`. */
  now?: () => number;
  setTimer?: (callback: () => void, ms: number) => TimerHandle;
  clearTimer?: (handle: TimerHandle) => void;
  logger?: ClientLogger;
}

export type WelcomeFrame = Extract<ServerFrame, { type: 'welcome' }>;

/** Payload of `close`. `terminal`: no reconnect follows (stop(), 4003 or 4010). */
export interface CloseInfo {
  code: number;
  reason: string;
  terminal: boolean;
  /** Delay before the next attempt when not terminal. */
  reconnectInMs?: number;
}

/** Events of {@link RealtimeClient.on}. */
export interface RealtimeClientEvents {
  /** The socket opened; the client has just (re)sent its subscriptions. */
  open: { url: string };
  welcome: WelcomeFrame;
  close: CloseInfo;
  /** Problems that do not throw anywhere else; the client carries on unless a close says otherwise. */
  error: RealtimeClientError;
  /** The room's missed events are gone: reload its state (e.g. over HTTP). */
  resync: { room: string };
  state: { state: ConnectionState; previous: ConnectionState };
}

export type ResolvedOptions = Required<
  Omit<RealtimeClientOptions, 'backoff' | 'onResync' | 'WebSocketImpl'>
> & {
  backoff: BackoffOptions & { resetAfterMs: number };
  onResync: ((room: string) => void) | undefined;
  WebSocketImpl: WebSocketConstructor | undefined;
};

const silent = (): void => undefined;
const SILENT_LOGGER: ClientLogger = { debug: silent, info: silent, warn: silent, error: silent };

export function resolveOptions(options: RealtimeClientOptions): ResolvedOptions {
  return {
    url: options.url,
    token: options.token,
    // Undefined in Node 20 without an injected one: start() then throws, construction does not.
    WebSocketImpl: options.WebSocketImpl ?? globalWebSocket(),
    backoff: { ...DEFAULT_BACKOFF, resetAfterMs: 10_000, ...options.backoff },
    refreshBeforeExpirySeconds: options.refreshBeforeExpirySeconds ?? 60,
    requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
    maxFrameBytes: options.maxFrameBytes ?? 64 * 1024,
    closeTimeoutMs: options.closeTimeoutMs ?? 5_000,
    onResync: options.onResync,
    random: options.random ?? Math.random,
    now: options.now ?? Date.now,
    setTimer: options.setTimer ?? ((callback, ms) => setTimeout(callback, ms)),
    clearTimer: options.clearTimer ?? ((handle) => clearTimeout(handle as ReturnType<typeof setTimeout>)),
    logger: options.logger ?? SILENT_LOGGER,
  };
}
