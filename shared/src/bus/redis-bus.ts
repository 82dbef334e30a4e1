import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { logRedisConnectionChanges } from '../health/redis-connection.js';
import { createLogger, subsystemLogger } from '../logging/index.js';
import {
  assertRoomAndEvent,
  type Bus,
  type BusEvent,
  type BusGap,
  encodeData,
  formatOffset,
  type HistoryResult,
  parseOffset,
  positiveInteger,
} from './bus.js';
import {
  decodeEntry,
  decodeMessage,
  defineBusScripts,
  encodeBody,
  type RoomKeys,
  readHistory,
  roomKeys,
  roomOfChannel,
  runPublish,
} from './redis-wire.js';
import { KeyedSerial } from './keyed-serial.js';
import { type Listener, type ListenerEntry, removeListener, type RoomState } from './redis-room-state.js';
import { allOrNothing, TurnBatch } from './turn-batch.js';

export interface RedisBusOptions {
  /** Used when `redis` is not given; the Bus then owns (and closes) its connections. */
  url?: string;
  /**
   * A command connection to share (without ioredis's own `keyPrefix`); the Bus duplicates it for
   * subscribing and never closes it. Its retry/offline-queue options are the owner's choice.
   */
  redis?: Redis;
  /** Every key and channel starts with this (production: `wf:`; tests: one prefix per file). */
  keyPrefix: string;
  /** Events kept per room, trimmed exactly (default 1,000). */
  historySize?: number;
  /** When set, a room's history expires after this long without a publish (a new epoch follows). */
  historyTtlSeconds?: number;
  /** Upper bound for any Redis round trip of an owned connection (default 5,000 ms). */
  commandTimeoutMs?: number;
  logger?: Logger;
}

/** See the class comment; `commandTimeout` is added per instance. */
// Auto-pipelining: commands issued in the same tick share one write (a gateway upgrading many
// connections at once, a relay publishing to many rooms); per-connection order is kept.
const CONNECTION: RedisOptions = {
  maxRetriesPerRequest: 1,
  enableOfflineQueue: true,
  enableAutoPipelining: true,
};

/**
 * The Bus over Redis (≥ 6.2 for exclusive XRANGE): a capped Stream per room for history, a
 * channel per room for live delivery, both written by one Lua script. One command connection and
 * one lazily created subscriber connection per instance.
 *
 * Owned connections use `maxRetriesPerRequest: 1` with the offline queue on: a command issued
 * while disconnected waits for one reconnect attempt (so a publish right after startup works) and
 * then rejects instead of ioredis's default 20 attempts; `commandTimeout` bounds a hung server.
 * ioredis's own resubscribe after reconnect (`autoResubscribe`, from subscriptions acknowledged
 * before the drop) is switched off for the subscriber: this class resubscribes every room that
 * still has listeners itself, then replays from history what was published while disconnected
 * (deduplicated by offset), which ioredis cannot do. A gap history cannot fill is logged as error.
 *
 * Joins and leaves are batched per event-loop turn (TurnBatch): the history tops of all rooms
 * joined in one turn go out in one write, then one SUBSCRIBE names all their channels; leaves
 * share one UNSUBSCRIBE. A burst of 20,000 connections each joining its own `user:<id>` room
 * costs a few hundred round trips, not 40,000.
 */
export class RedisBus implements Bus {
  private readonly cmd: Redis;
  private readonly ownsCmd: boolean;
  private sub: Redis | undefined;
  private readonly prefix: string;
  private readonly historySize: number;
  private readonly ttl: number;
  private readonly connection: RedisOptions;
  private readonly logger: Logger;
  private readonly rooms = new Map<string, RoomState>();
  /** Per room, the tail of its subscribe/unsubscribe/catch-up operations, run one at a time. */
  private readonly chains = new KeyedSerial();
  private closed = false;
  /** Current top offset of each room, read before its channel is subscribed. */
  private readonly tops = new TurnBatch<string, string>((rooms) =>
    Promise.allSettled(rooms.map(async (room) => (await this.history(room)).offset)),
  );
  private readonly subscribes = new TurnBatch<string, void>(
    allOrNothing((channels) => this.subscriber().subscribe(...channels)),
  );
  private readonly unsubscribes = new TurnBatch<string, void>(
    allOrNothing(async (channels) => this.sub?.unsubscribe(...channels)),
  );

  constructor(options: RedisBusOptions) {
    if (!options.keyPrefix) throw new TypeError('RedisBus needs a keyPrefix');
    this.prefix = options.keyPrefix;
    this.historySize = positiveInteger('historySize', options.historySize ?? 1000);
    // 0 tells the scripts "no expiry".
    this.ttl =
      options.historyTtlSeconds === undefined
        ? 0
        : positiveInteger('historyTtlSeconds', options.historyTtlSeconds);
    this.logger = subsystemLogger(options.logger ?? createLogger({ service: 'bus' }), 'bus');
    this.connection = { ...CONNECTION, commandTimeout: options.commandTimeoutMs ?? 5000 };
    if (options.redis) {
      this.cmd = options.redis;
      this.ownsCmd = false;
    } else if (options.url) {
      this.cmd = new Redis(options.url, this.connection);
      this.ownsCmd = true;
      // One line when the connection drops and one when it is back, not one per retry.
      logRedisConnectionChanges(this.cmd, this.logger, 'bus command');
    } else {
      throw new TypeError('RedisBus needs a url or a redis connection');
    }
    defineBusScripts(this.cmd);
  }

  async publish(room: string, event: string, data: unknown): Promise<BusEvent> {
    this.assertOpen();
    assertRoomAndEvent(room, event);
    const dataJson = encodeData(data);
    const body = encodeBody(event, dataJson);
    const { offset, ts } = await runPublish(this.cmd, this.keys(room), body, this.historySize, this.ttl);
    return { room, event, data: JSON.parse(dataJson), offset, ts };
  }

  async subscribe(
    room: string,
    listener: Listener,
    onGap?: (gap: BusGap) => void,
  ): Promise<() => Promise<void>> {
    this.assertOpen();
    assertRoomAndEvent(room);
    const entry: ListenerEntry = { listener, onGap };
    const state = await this.serial(room, () => this.addListener(room, entry));
    return this.unsubscriber(room, state, entry);
  }

  private async addListener(room: string, entry: ListenerEntry): Promise<RoomState> {
    this.assertOpen();
    const joined = this.rooms.get(room);
    if (joined) {
      joined.listeners.push(entry);
      return joined;
    }
    // The top before SUBSCRIBE is ≤ every event that will arrive live, so catching up from it
    // after a reconnect can only add events, never skip any.
    const offset = await this.tops.add(room);
    const state: RoomState = { listeners: [entry], resumeFrom: offset };
    this.rooms.set(room, state);
    const { channel } = this.keys(room);
    try {
      await this.subscribes.add(channel);
    } catch (err) {
      this.rooms.delete(room);
      // A timed-out SUBSCRIBE can still reach Redis later; queue the undo behind it.
      this.unsubscribes
        .add(channel)
        .catch((e: unknown) => this.logger.debug({ err: e, room }, 'bus undo failed'));
      throw err;
    }
    return state;
  }

  /**
   * The function that ends one subscription. A gateway keeps one per room it is in (one per
   * connection, for its own room), so it captures only these three and derives the channel.
   */
  private unsubscriber(room: string, state: RoomState, entry: ListenerEntry): () => Promise<void> {
    let left = false;
    return async () => {
      if (left) return;
      left = true;
      // Removed at once, so nothing is delivered after this call even while UNSUBSCRIBE is pending.
      removeListener(state, entry);
      await this.serial(room, async () => {
        if (state.listeners.length > 0 || this.rooms.get(room) !== state || this.closed) return;
        this.rooms.delete(room);
        await this.unsubscribes.add(this.keys(room).channel);
      });
    };
  }

  async history(room: string, since?: string): Promise<HistoryResult> {
    this.assertOpen();
    assertRoomAndEvent(room);
    const parsed = since === undefined ? undefined : parseOffset(since);
    const { epoch, top, entries } = await readHistory(this.cmd, this.keys(room), parsed, this.ttl);
    const offset = formatOffset(epoch, top);
    if (since === undefined) return { events: [], recovered: true, offset };
    if (!parsed || parsed.epoch !== epoch || parsed.seq > top)
      return { events: [], recovered: false, offset };
    const events = entries.map((e) => decodeEntry(room, e));
    const complete =
      events.length === top - parsed.seq &&
      events.every((e, i) => e !== undefined && e.offset === formatOffset(epoch, parsed.seq + 1 + i));
    if (!complete) {
      if (events.includes(undefined)) this.logger.error({ room, since }, 'malformed bus history entry');
      return { events: [], recovered: false, offset };
    }
    return { events: events as BusEvent[], recovered: true, offset };
  }

  async ping(): Promise<boolean> {
    if (this.closed || this.cmd.status !== 'ready') return false;
    if (this.sub && this.sub.status !== 'ready') return false;
    try {
      return (await this.cmd.ping()) === 'PONG';
    } catch (err) {
      this.logger.debug({ err }, 'bus ping failed');
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const state of this.rooms.values()) state.listeners.length = 0;
    this.rooms.clear();
    const connections = this.ownsCmd ? [this.sub, this.cmd] : [this.sub];
    await Promise.all(
      connections.map(async (conn) => {
        if (!conn) return;
        if (conn.status !== 'ready') return conn.disconnect();
        // QUIT fails when the connection drops meanwhile; disconnecting is all that is left.
        await conn.quit().catch(() => conn.disconnect());
      }),
    );
  }

  private subscriber(): Redis {
    if (this.sub) return this.sub;
    // No ready check: ioredis runs it with INFO, which Redis refuses once a queued SUBSCRIBE
    // has put the connection in subscriber mode ("only subscriber commands may be used") —
    // seen under load as the first subscriptions of a freshly started gateway failing.
    const sub = this.cmd.duplicate({ ...this.connection, autoResubscribe: false, enableReadyCheck: false });
    let connectedBefore = false;
    sub.on('ready', () => {
      if (connectedBefore && !this.closed) this.resume();
      connectedBefore = true;
    });
    sub.on('message', (channel: string, message: string) => this.onMessage(channel, message));
    logRedisConnectionChanges(sub, this.logger, 'bus subscriber');
    this.sub = sub;
    return sub;
  }

  /** After a reconnect: resubscribe every room with listeners and replay what was missed. */
  private resume(): void {
    const rooms = [...this.rooms.entries()];
    this.logger.info({ rooms: rooms.length }, 'bus subscriber reconnected, resubscribing');
    for (const [, state] of rooms) state.buffer ??= [];
    for (const [room, state] of rooms) void this.serial(room, () => this.catchUp(room, state));
  }

  private async catchUp(room: string, state: RoomState): Promise<void> {
    try {
      if (this.rooms.get(room) !== state || !this.sub) return;
      await this.subscribes.add(this.keys(room).channel);
      if (!state.resumeFrom) return;
      const result = await this.history(room, state.resumeFrom);
      if (!result.recovered) {
        this.logger.warn(
          { room, since: state.resumeFrom, offset: result.offset },
          'bus events published while disconnected cannot be replayed (history was reset or trimmed); listeners told to resync',
        );
        // Live delivery continues after the new top; nothing older is delivered again.
        state.resumeFrom = state.last = result.offset;
        this.announceGap(state, { room, offset: result.offset });
      }
      for (const event of result.events) this.deliver(state, event);
    } catch (err) {
      this.logger.error({ err, room }, 'bus could not resubscribe or catch up a room after reconnect');
      // Nothing vouches for what was published meanwhile: the listeners must resync.
      this.announceGap(state, { room, offset: state.resumeFrom ?? state.last ?? '' });
    } finally {
      const buffered = state.buffer ?? [];
      state.buffer = undefined;
      for (const event of buffered) this.deliver(state, event);
    }
  }

  private onMessage(channel: string, message: string): void {
    const room = roomOfChannel(this.prefix, channel);
    const event = room === undefined ? undefined : decodeMessage(room, message);
    if (room === undefined || event === undefined) {
      this.logger.error({ channel, message: message.slice(0, 500) }, 'malformed bus message dropped');
      return;
    }
    const state = this.rooms.get(room);
    // Only between the last listener leaving and UNSUBSCRIBE being acknowledged.
    if (!state) return;
    if (state.buffer) state.buffer.push(event);
    else this.deliver(state, event);
  }

  private deliver(state: RoomState, event: BusEvent): void {
    const last = state.last === undefined ? undefined : parseOffset(state.last);
    const next = parseOffset(event.offset)!;
    if (last && last.epoch === next.epoch && next.seq <= last.seq) return;
    // A new epoch that does not start at its first event: the room's history was reset under
    // us and the new epoch's first events never arrived here.
    if (last && last.epoch !== next.epoch && next.seq !== 1)
      this.announceGap(state, { room: event.room, offset: formatOffset(next.epoch, next.seq - 1) });
    state.last = event.offset;
    state.resumeFrom = event.offset;
    for (const entry of state.listeners.slice()) {
      if (!state.listeners.includes(entry)) continue;
      try {
        entry.listener(event);
      } catch (err) {
        this.logger.error(
          { err, room: event.room, event: event.event, offset: event.offset },
          'bus listener threw',
        );
      }
    }
  }

  private announceGap(state: RoomState, gap: BusGap): void {
    for (const entry of state.listeners.slice()) {
      try {
        entry.onGap?.(gap);
      } catch (err) {
        this.logger.error({ err, room: gap.room }, 'bus gap listener threw');
      }
    }
  }

  private keys(room: string): RoomKeys {
    return roomKeys(this.prefix, room);
  }

  private serial<T>(room: string, op: () => Promise<T>): Promise<T> {
    return this.chains.run(room, op);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('bus is closed');
  }
}
