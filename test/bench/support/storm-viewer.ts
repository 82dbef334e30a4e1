import { decideAfterClose, DEFAULT_BACKOFF, nextDelay } from '@wirefleet/shared/client';
import { isNewerOffset, parseOffset } from '@wirefleet/shared/protocol';
import { FrameReader, HandshakeRefused, OPCODE, RawSocket } from './gateway-ws-wire.js';
import type { StormExpectation, StormTarget, ViewerSpec } from './storm-protocol.js';

/** The client library's default: a connection welcomed this long starts the back-off over. */
const RESET_AFTER_MS = 10_000;
/** No close frame (the server process died): what a WebSocket reports as the close code. */
const ABNORMAL_CLOSURE = 1006;

interface FrameHead {
  type: string;
  room?: string;
  offset?: string;
  recovered?: boolean;
}

const EVENT_PREFIX = '{"type":"event","room":"';

/**
 * The fields the viewer needs. An event frame (as the gateway serialises it: type, room, event,
 * data, offset, ts) is not parsed whole: node rooms carry ~43 KB `status` events of 500-peer
 * meshes, and JSON.parse of each one in every viewer would make the generator the bottleneck.
 */
function readFrame(text: string): FrameHead {
  if (!text.startsWith(EVENT_PREFIX)) return JSON.parse(text) as FrameHead;
  const room = text.slice(EVENT_PREFIX.length, text.indexOf('"', EVENT_PREFIX.length));
  const at = text.lastIndexOf('"offset":"') + '"offset":"'.length;
  return { type: 'event', room, offset: text.slice(at, text.indexOf('"', at)) };
}

/** Counters every viewer of one worker process adds to. */
export interface ViewerTally {
  attempts: number;
  failures: Record<string, number>;
  notRecovered: number;
  silentGaps: number;
  gaveUp: number;
  errors: string[];
}

function count(tally: ViewerTally, key: string): void {
  tally.failures[key] = (tally.failures[key] ?? 0) + 1;
}

interface RoomView {
  /** Offset of the newest event seen (or where the subscription started). */
  last: string | undefined;
  /** Answered `subscribed` on the current connection. */
  acknowledged: boolean;
  /** Answered `recovered:false` on the current connection: the gap is announced, not silent. */
  reset: boolean;
}

/**
 * One dashboard as the bench plays it on a raw socket (test/bench/support/gateway-ws-wire.ts):
 * the client library's reconnect — the same `nextDelay` back-off and `decideAfterClose` policy,
 * imported from it — and its `since` recovery: on every `welcome` it subscribes each room with
 * the last offset seen, then checks that the replay is gap-free. Thousands of real
 * RealtimeClients on `ws` would make this 2-core machine's generator, not the gateway, the
 * bottleneck; the agents (storm-agent-host.ts) run the real library.
 */
export class StormViewer {
  private readonly rooms = new Map<string, RoomView>();
  private socket: RawSocket | undefined;
  private attempt = 0;
  private welcomedAt: number | undefined;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  /** Connected after the kill (set by `expect`), and when it was live again. */
  private reconnected = false;
  liveAfterMs: number | null = null;
  live = false;

  constructor(
    private readonly target: StormTarget,
    private readonly spec: ViewerSpec,
    private readonly tally: ViewerTally,
    private readonly expectation: () => StormExpectation | undefined,
  ) {
    for (const room of spec.rooms)
      this.rooms.set(room, { last: undefined, acknowledged: false, reset: false });
  }

  /** Settles the first connection's promise (see open()); undefined once it has. */
  private firstOpen: { resolve: () => void; reject: (error: unknown) => void } | undefined;

  /** Opens the first connection; resolves once live (subscribed everywhere), rejects on failure. */
  open(): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.firstOpen?.reject(new Error('not live within 30 s')), 30_000);
      this.firstOpen = {
        resolve: () => {
          clearTimeout(timer);
          this.firstOpen = undefined;
          resolve();
        },
        reject: (error) => {
          clearTimeout(timer);
          this.firstOpen = undefined;
          this.stop();
          reject(error);
        },
      };
      void this.connect();
    });
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.socket?.destroy();
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    if (this.expectation()) this.tally.attempts += 1;
    let opened: Awaited<ReturnType<typeof RawSocket.open>>;
    try {
      opened = await RawSocket.open({
        host: this.target.host,
        port: this.target.port,
        path: this.target.path,
        ...(this.spec.token ? { protocols: ['bearer', this.spec.token] } : {}),
        timeoutMs: 30_000,
      });
    } catch (error) {
      this.failed(error);
      return;
    }
    if (this.stopped) return opened.raw.destroy();
    this.attach(opened.raw, opened.head);
  }

  private failed(error: unknown): void {
    if (this.firstOpen) {
      this.firstOpen.reject(error);
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    const key =
      error instanceof HandshakeRefused
        ? String(error.status)
        : /ECONNREFUSED/.test(message)
          ? 'refused'
          : /timed out/.test(message)
            ? 'timeout'
            : 'error';
    if (this.expectation()) count(this.tally, key);
    if (key === 'error' && this.tally.errors.length < 5) this.tally.errors.push(message);
    this.scheduleReconnect();
  }

  private attach(raw: RawSocket, head: Buffer): void {
    this.socket = raw;
    let closeCode = ABNORMAL_CLOSURE;
    const reader = new FrameReader((opcode, buffer, start, end) => {
      if (opcode === OPCODE.ping) return raw.send(OPCODE.pong, Buffer.from(buffer.subarray(start, end)));
      if (opcode === OPCODE.close && end - start >= 2) closeCode = buffer.readUInt16BE(start);
      if (opcode === OPCODE.text) this.onText(buffer.toString('utf8', start, end));
    });
    raw.onData = (chunk) => reader.push(chunk);
    raw.onClose = () => this.onClose(raw, closeCode);
    if (this.expectation()) this.reconnected = true;
    if (this.target.protocol === 'uws') this.welcomed();
    if (head.length > 0) reader.push(head);
  }

  private onText(text: string): void {
    const frame = readFrame(text);
    if (frame.type === 'welcome') {
      this.welcomed();
      return;
    }
    const view = frame.room === undefined ? undefined : this.rooms.get(frame.room);
    if (!view || frame.offset === undefined) return;
    if (frame.type === 'subscribed') {
      view.acknowledged = true;
      if (frame.recovered === false) {
        view.reset = true;
        view.last = frame.offset;
        this.tally.notRecovered += 1;
      } else if (view.last === undefined) view.last = frame.offset;
    } else if (frame.type === 'event') {
      this.onEvent(view, frame.offset);
    }
    this.checkLive();
  }

  /** In order and gap-free within an epoch, as the client library's de-duplication expects. */
  private onEvent(view: RoomView, offset: string): void {
    if (!isNewerOffset(offset, view.last)) return;
    const previous = view.last === undefined ? undefined : parseOffset(view.last);
    const next = parseOffset(offset);
    if (previous && next && previous.epoch === next.epoch && next.seq !== previous.seq + 1 && !view.reset)
      this.tally.silentGaps += next.seq - previous.seq - 1;
    view.last = offset;
  }

  private welcomed(): void {
    this.welcomedAt = Date.now();
    for (const [room, view] of this.rooms) {
      view.acknowledged = false;
      view.reset = false;
      const since = view.last === undefined ? {} : { since: view.last };
      this.socket?.send(OPCODE.text, JSON.stringify({ type: 'subscribe', room, ...since }));
    }
    this.checkLive();
  }

  private checkLive(): void {
    const expectation = this.expectation();
    const subscribed = [...this.rooms.values()].every((view) => view.acknowledged);
    if (!subscribed) return;
    if (!expectation) {
      this.live = true;
      this.firstOpen?.resolve();
      return;
    }
    if (!this.reconnected || this.liveAfterMs !== null) return;
    for (const [room, view] of this.rooms) {
      const top = expectation.tops[room];
      if (!view.reset && top !== undefined && (view.last === undefined || isNewerOffset(top, view.last)))
        return;
    }
    this.liveAfterMs = Date.now() - expectation.killedAt;
    this.live = true;
  }

  private onClose(raw: RawSocket, code: number): void {
    if (raw !== this.socket) return;
    this.socket = undefined;
    this.live = false;
    if (this.firstOpen) {
      this.firstOpen.reject(new Error(`closed with ${code} before it was live`));
      return;
    }
    const welcomedFor = this.welcomedAt === undefined ? undefined : Date.now() - this.welcomedAt;
    this.welcomedAt = undefined;
    if (this.stopped) return;
    const decision = decideAfterClose(code, welcomedFor, RESET_AFTER_MS);
    if (decision.terminal) {
      this.tally.gaveUp += 1;
      return;
    }
    if (decision.resetBackoff) this.attempt = 0;
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    const delay = nextDelay(this.attempt, DEFAULT_BACKOFF, Math.random);
    this.attempt += 1;
    this.timer = setTimeout(() => void this.connect(), delay);
  }
}
