import type { EventFrame, ServerFrame } from '../protocol/frames.js';
import { nextDelay } from './backoff.js';
import type { OutgoingFrame } from './client-frames.js';
import { decideAfterClose } from './close-policy.js';
import { Emitter } from './emitter.js';
import { RealtimeClientError, toClientError } from './errors.js';
import {
  type ConnectionState,
  type RealtimeClientEvents,
  type RealtimeClientOptions,
  type ResolvedOptions,
  resolveOptions,
  type TimerHandle,
} from './options.js';
import { PendingRequests } from './pending-requests.js';
import { parseServerFrame } from './server-frames.js';
import { Subscriptions } from './subscriptions.js';
import { TokenRefresher } from './token-refresher.js';
import { WS_OPEN, type WebSocketLike } from './websocket.js';

/**
 * A client of the Wirefleet gateway for browsers and Node: keeps one connection open,
 * reconnects with back-off, resubscribes with `since`, de-duplicates replayed events, refreshes
 * its token before expiry. Nothing it does in a socket callback throws: failures go to the
 * `error` event. Rooms and offsets survive reconnects; pending requests do not.
 */
export class RealtimeClient {
  private readonly options: ResolvedOptions;
  private readonly emitter: Emitter<RealtimeClientEvents>;
  private readonly subscriptions = new Subscriptions();
  private readonly pending: PendingRequests;
  private readonly refresher: TokenRefresher;
  private socket: WebSocketLike | undefined;
  private currentState: ConnectionState = 'idle';
  /** Consecutive attempts that did not lead to a lasting connection; drives the back-off. */
  private attempt = 0;
  /** Bumped per connect and by stop(), so an await that outlived its attempt drops its result. */
  private generation = 0;
  private forceRefreshNext = false;
  private currentToken: string | undefined;
  private welcomedAt: number | undefined;
  private reconnectTimer: TimerHandle | undefined;
  private stopWaiters: Array<() => void> = [];

  constructor(options: RealtimeClientOptions) {
    this.options = resolveOptions(options);
    this.pending = new PendingRequests(this.options);
    this.emitter = new Emitter((event, err) => this.options.logger.error({ err, event }, 'listener threw'));
    this.refresher = new TokenRefresher({
      ...this.options,
      currentToken: () => this.currentToken,
      send: (token) => this.pending.send(this.socket, { type: 'refresh', token }),
      onRefreshed: (token) => {
        this.currentToken = token;
      },
      onError: (error) => this.report(error),
    });
  }

  get state(): ConnectionState {
    return this.currentState;
  }

  on<K extends keyof RealtimeClientEvents>(
    event: K,
    listener: (payload: RealtimeClientEvents[K]) => void,
  ): () => void {
    return this.emitter.on(event, listener);
  }

  /** Connects (from `idle` or `stopped`); a no-op while already running. */
  start(): void {
    if (this.currentState !== 'idle' && this.currentState !== 'stopped') return;
    if (!this.options.WebSocketImpl) {
      throw new TypeError('no global WebSocket here; pass WebSocketImpl (e.g. the ws package)');
    }
    this.attempt = 0;
    this.setState('connecting');
    void this.connect();
  }

  /** Closes with 1000 and never reconnects; resolves once the socket closed (or closeTimeoutMs passed). */
  async stop(): Promise<void> {
    if (this.currentState === 'stopped') return;
    this.generation++;
    if (this.reconnectTimer !== undefined) this.options.clearTimer(this.reconnectTimer);
    this.reconnectTimer = undefined;
    this.refresher.cancel();
    this.setState('stopped');
    this.pending.rejectAll(() => new RealtimeClientError('disconnected', 'client stopped'));
    const socket = this.socket;
    if (!socket) return;
    await new Promise<void>((resolve) => {
      const timer = this.options.setTimer(() => this.connectionEnded(socket), this.options.closeTimeoutMs);
      this.stopWaiters.push(() => {
        this.options.clearTimer(timer);
        resolve();
      });
      this.guard(() => socket.close(1000, 'client stopped'));
    });
  }

  /**
   * Delivers the room's events to `handler` until the returned function is called. The room is
   * remembered across reconnects and resubscribed with `since` = the last offset seen.
   */
  subscribe(room: string, handler: (event: EventFrame) => void): () => void {
    const { first, remove } = this.subscriptions.add(room, handler);
    if (first && this.socket?.readyState === WS_OPEN) this.sendSubscribe(room);
    return () => {
      if (remove() && this.socket?.readyState === WS_OPEN)
        this.fireAndForget({ type: 'unsubscribe', room }, room);
    };
  }

  /** Publishes on the open connection; rejects when not connected, on an `error` reply or on disconnect. */
  async publish(room: string, event: string, data: unknown): Promise<{ offset: string }> {
    const reply = await this.pending.send(this.socket, { type: 'publish', room, event, data });
    return { offset: (reply as Extract<ServerFrame, { type: 'published' }>).offset };
  }

  /** Round trip to the gateway; resolves with the time it took in ms. */
  async ping(): Promise<number> {
    const started = this.options.now();
    await this.pending.send(this.socket, { type: 'ping' });
    return this.options.now() - started;
  }

  private async connect(): Promise<void> {
    const generation = ++this.generation;
    let token: string;
    try {
      token = await this.options.token({ forceRefresh: this.forceRefreshNext });
    } catch (cause) {
      if (generation !== this.generation) return;
      this.report(new RealtimeClientError('token_unavailable', 'the token provider failed', { cause }));
      this.scheduleReconnect();
      return;
    }
    if (generation !== this.generation) return;
    let socket: WebSocketLike;
    try {
      // Non-null: start() refuses to run without an implementation.
      socket = new this.options.WebSocketImpl!(this.options.url, ['bearer', token]);
    } catch (cause) {
      this.report(new RealtimeClientError('transport', 'could not open a WebSocket', { cause }));
      this.scheduleReconnect();
      return;
    }
    this.currentToken = token;
    this.socket = socket;
    socket.onopen = () => this.guard(() => this.handleOpen(socket));
    socket.onmessage = (event) => this.guard(() => this.handleMessage(socket, event.data));
    socket.onerror = () => {
      // DOM error events carry no detail; the close that follows has the code and decides.
      if (socket !== this.socket || this.currentState === 'stopped') return;
      this.report(new RealtimeClientError('transport', 'WebSocket error'));
    };
    socket.onclose = (event) => this.guard(() => this.handleClose(socket, event.code, event.reason));
  }

  private handleOpen(socket: WebSocketLike): void {
    if (socket !== this.socket) return;
    this.setState('open');
    for (const room of this.subscriptions.roomNames) this.sendSubscribe(room);
    this.emitter.emit('open', { url: this.options.url });
  }

  private handleMessage(socket: WebSocketLike, data: unknown): void {
    if (socket !== this.socket) return;
    const frame = typeof data === 'string' ? parseServerFrame(data) : undefined;
    if (!frame) {
      this.report(
        new RealtimeClientError('bad_frame', 'the gateway sent a frame the client does not understand'),
      );
      return;
    }
    switch (frame.type) {
      case 'event':
        this.deliver(frame);
        return;
      case 'welcome':
        this.welcomedAt = this.options.now();
        this.forceRefreshNext = false;
        this.refresher.schedule(frame.expires_at);
        this.emitter.emit('welcome', frame);
        return;
      case 'subscribed':
        if (this.subscriptions.acknowledge(frame.room, frame.offset, frame.recovered))
          this.resync(frame.room);
        break;
      case 'refreshed':
        this.refresher.schedule(frame.expires_at);
        break;
      case 'error': {
        const error = new RealtimeClientError(frame.code, frame.message);
        if (frame.id === undefined || !this.pending.reject(frame.id, error)) this.report(error);
        return;
      }
    }
    if (frame.id !== undefined) this.pending.resolve(frame.id, frame);
  }

  private deliver(frame: EventFrame): void {
    const acceptance = this.subscriptions.accept(frame);
    if (acceptance.kind !== 'deliver') {
      const context = { room: frame.room, offset: frame.offset, why: acceptance.kind };
      this.options.logger.debug(context, 'event dropped');
      return;
    }
    for (const handler of acceptance.handlers) this.guard(() => handler(frame), frame.room);
  }

  private resync(room: string): void {
    this.options.logger.info({ room }, 'missed events cannot be replayed; resync');
    this.emitter.emit('resync', { room });
    const onResync = this.options.onResync;
    if (onResync) this.guard(() => onResync(room), room);
  }

  private handleClose(socket: WebSocketLike, code: number, reason: string): void {
    if (socket !== this.socket) return;
    const welcomedFor = this.welcomedAt === undefined ? undefined : this.options.now() - this.welcomedAt;
    this.connectionEnded(socket);
    if (this.currentState === 'stopped') {
      this.emitter.emit('close', { code, reason, terminal: true });
      return;
    }
    const decision = decideAfterClose(code, welcomedFor, this.options.backoff.resetAfterMs);
    if (decision.terminal) {
      this.options.logger.warn({ code, reason }, 'the gateway closed the connection for good');
      this.setState('stopped');
      this.emitter.emit('close', { code, reason, terminal: true });
      return;
    }
    if (decision.refreshFirst) this.forceRefreshNext = true;
    if (decision.resetBackoff) this.attempt = 0;
    const delay = this.scheduleReconnect();
    this.emitter.emit('close', { code, reason, terminal: false, reconnectInMs: delay });
  }

  /** Forgets `socket` and everything tied to it; resolves stop() waiters. */
  private connectionEnded(socket: WebSocketLike): void {
    if (socket !== this.socket) return;
    socket.onopen = socket.onmessage = socket.onerror = socket.onclose = null;
    this.socket = undefined;
    this.welcomedAt = undefined;
    this.refresher.cancel();
    this.pending.rejectAll(() => new RealtimeClientError('disconnected', 'the connection closed'));
    for (const resolve of this.stopWaiters.splice(0)) resolve();
  }

  private scheduleReconnect(): number {
    const delay = nextDelay(this.attempt, this.options.backoff, this.options.random);
    this.attempt++;
    this.setState('reconnecting');
    this.reconnectTimer = this.options.setTimer(() => {
      this.reconnectTimer = undefined;
      void this.connect();
    }, delay);
    return delay;
  }

  private sendSubscribe(room: string): void {
    const since = this.subscriptions.prepareSubscribe(room);
    const frame: OutgoingFrame =
      since === undefined ? { type: 'subscribe', room } : { type: 'subscribe', room, since };
    this.fireAndForget(frame, room);
  }

  /** Sends a request whose failure is only worth reporting (not when the connection just went). */
  private fireAndForget(frame: OutgoingFrame, room: string): void {
    this.pending.send(this.socket, frame).catch((error: unknown) => {
      if (error instanceof RealtimeClientError && error.code === 'disconnected') return;
      this.report(toClientError(error, room));
    });
  }

  private setState(state: ConnectionState): void {
    const previous = this.currentState;
    if (previous === state) return;
    this.currentState = state;
    this.emitter.emit('state', { state, previous });
  }

  private report(error: RealtimeClientError): void {
    this.options.logger.warn({ code: error.code, room: error.room, err: error }, error.message);
    this.emitter.emit('error', error);
  }

  /** Runs `fn`, turning a throw into an `error` event: socket callbacks must never throw. */
  private guard(fn: () => void, room?: string): void {
    try {
      fn();
    } catch (error) {
      this.report(toClientError(error, room));
    }
  }
}
