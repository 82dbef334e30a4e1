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
  roomKeys,
  roomOfMessage,
  runPublish,
  shardOf,
} from './redis-wire.js';
import { KeyedSerial } from './keyed-serial.js';
import { RedisClock } from './redis-clock.js';
import { eventsSince, historySince } from './redis-history.js';
import { type Listener, type ListenerEntry, removeListener, type RoomState } from './redis-room-state.js';
import { ShardChannels } from './redis-shard-channels.js';

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
 * The Bus over Redis (≥ 6.2 for exclusive XRANGE): a capped Stream per room for history, and
 * live delivery on LIVE_CHANNEL_SHARDS shard channels (a room's events on the channel of its
 * shard), both written by one Lua script. One command connection and one lazily created
 * subscriber connection per instance.
 *
 * **Joining a room.** An instance subscribes a shard's channel the first time one of the
 * shard's rooms gets a listener, and keeps it until it closes. From then on a listener of any
 * room of that shard is attached at once (`subscribeNow`), without a Redis command: a gateway
 * accepting 20,000 connections, each into its own `user:<id>` room, subscribes 64 channels, not
 * 20,000. A room attached this way has no history offset yet; it records the Redis time it was
 * joined at (RedisClock) until its first live event gives it one.
 *
 * **Losing the connection.** ioredis's own resubscribe is off for the subscriber. When it is back,
 * this class subscribes the shard channels again, then for every room with listeners replays
 * what was published meanwhile — from the last offset it delivered, or, for a room that has seen
 * no event yet, every entry stamped from its join time on (less RedisClock's margin: an event
 * from just before the join may be delivered, never one after it lost). Live events wait while
 * a room catches up, and duplicates are dropped by offset. Where history cannot vouch for the
 * gap (trimmed, reset, Redis restarted), listeners are told through `onGap`.
 *
 * Owned connections use `maxRetriesPerRequest: 1` with the offline queue on: a command issued
 * while disconnected waits for one reconnect attempt (so a publish right after startup works) and
 * then rejects instead of ioredis's default 20 attempts; `commandTimeout` bounds a hung server.
 */
export class RedisBus implements Bus {
  private readonly cmd: Redis;
  private readonly ownsCmd: boolean;
  private readonly prefix: string;
  private readonly historySize: number;
  private readonly ttl: number;
  private readonly connection: RedisOptions;
  private readonly logger: Logger;
  private readonly clock: RedisClock;
  private readonly shards: ShardChannels;
  private readonly rooms = new Map<string, RoomState>();
  /** Per room, its catch-ups after reconnects, run one at a time. */
  private readonly chains = new KeyedSerial();
  private closed = false;

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
    this.clock = new RedisClock(this.cmd);
    this.shards = new ShardChannels({
      cmd: this.cmd,
      connection: this.connection,
      prefix: this.prefix,
      clock: this.clock,
      logger: this.logger,
      onMessage: (channel, message) => this.onMessage(channel, message),
      onReconnect: (resubscribed) => this.resume(resubscribed),
    });
  }

  async publish(room: string, event: string, data: unknown): Promise<BusEvent> {
    this.assertOpen();
    assertRoomAndEvent(room, event);
    const dataJson = encodeData(data);
    const body = encodeBody(event, dataJson);
    const { offset, ts } = await runPublish(this.cmd, this.keys(room), body, this.historySize, this.ttl);
    return { room, event, data: JSON.parse(dataJson), offset, ts };
  }

  subscribeNow(
    room: string,
    listener: Listener,
    onGap?: (gap: BusGap) => void,
  ): (() => Promise<void>) | undefined {
    this.assertOpen();
    assertRoomAndEvent(room);
    // A room catching up takes listeners through `subscribe`, which may hand them older events.
    if (!this.shards.isLive(shardOf(room)) || this.rooms.get(room)?.buffer) return undefined;
    return this.attach(room, { listener, onGap });
  }

  async subscribe(
    room: string,
    listener: Listener,
    onGap?: (gap: BusGap) => void,
  ): Promise<() => Promise<void>> {
    const now = this.subscribeNow(room, listener, onGap);
    if (now) return now;
    await this.shards.goLive(shardOf(room));
    this.assertOpen();
    return this.attach(room, { listener, onGap });
  }

  /** Adds a listener to a room whose shard is live; a new room starts from the Redis time now. */
  private attach(room: string, entry: ListenerEntry): () => Promise<void> {
    let state = this.rooms.get(room);
    if (!state) {
      state = { listeners: [], joinedAt: this.clock.now() };
      this.rooms.set(room, state);
    }
    state.listeners.push(entry);
    return this.detacher(room, state, entry);
  }

  /** The function that ends one subscription; nothing is delivered to it once called. */
  private detacher(room: string, state: RoomState, entry: ListenerEntry): () => Promise<void> {
    return async () => {
      removeListener(state, entry);
      // A room catching up is dropped when its catch-up ends (see catchUp).
      if (state.listeners.length === 0 && !state.buffer && this.rooms.get(room) === state)
        this.rooms.delete(room);
    };
  }

  async history(room: string, since?: string): Promise<HistoryResult> {
    this.assertOpen();
    assertRoomAndEvent(room);
    return historySince(this.cmd, this.keys(room), since, { ttl: this.ttl, logger: this.logger });
  }

  async ping(): Promise<boolean> {
    if (this.closed || this.cmd.status !== 'ready') return false;
    if (!this.shards.connected) return false;
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
    const cmd = this.cmd;
    await Promise.all([
      this.shards.close(),
      // QUIT fails when the connection drops meanwhile; disconnecting is all that is left.
      this.ownsCmd && (cmd.status === 'ready' ? cmd.quit().catch(() => cmd.disconnect()) : cmd.disconnect()),
    ]);
  }

  /** After a reconnect: once the shard channels are back, replay what every room missed. */
  private resume(resubscribed: Promise<{ restarted: boolean }>): void {
    const rooms = [...this.rooms.entries()];
    this.logger.info({ rooms: rooms.length }, 'bus subscriber reconnected, resubscribing');
    for (const [, state] of rooms) state.buffer ??= [];
    // Settled here too, so a failure is handled by each room's catch-up and never unhandled.
    resubscribed.catch(() => undefined);
    for (const [room, state] of rooms) void this.serial(room, () => this.catchUp(room, state, resubscribed));
  }

  private async catchUp(
    room: string,
    state: RoomState,
    resubscribed: Promise<{ restarted: boolean }>,
  ): Promise<void> {
    try {
      const { restarted } = await resubscribed;
      if (this.rooms.get(room) !== state) return;
      if (state.resumeFrom) await this.replayFrom(room, state, state.resumeFrom);
      else await this.replayJoinedAt(room, state, restarted);
    } catch (err) {
      this.logger.error({ err, room }, 'bus could not resubscribe or catch up a room after reconnect');
      // Nothing vouches for what was published meanwhile: the listeners must resync.
      this.announceGap(state, { room, offset: state.resumeFrom ?? state.last ?? '' });
    } finally {
      const buffered = state.buffer ?? [];
      state.buffer = undefined;
      for (const event of buffered) this.deliver(state, event);
      if (state.listeners.length === 0 && this.rooms.get(room) === state) this.rooms.delete(room);
    }
  }

  /** Replays the events after `since`, or tells the listeners to resync when history cannot. */
  private async replayFrom(room: string, state: RoomState, since: string): Promise<void> {
    const result = await this.history(room, since);
    if (!result.recovered) {
      this.logger.warn(
        { room, since, offset: result.offset },
        'bus events published while disconnected cannot be replayed (history was reset or trimmed); listeners told to resync',
      );
      // Live delivery continues after the new top; nothing older is delivered again.
      state.resumeFrom = state.last = result.offset;
      this.announceGap(state, { room, offset: result.offset });
    }
    for (const event of result.events) this.deliver(state, event);
  }

  /**
   * A room that has seen no event since it was joined: replays the entries stamped from its join
   * time on. When Redis restarted, or history no longer reaches back to then, the listeners are
   * told to resync instead (what was written before a restart may be gone).
   */
  private async replayJoinedAt(room: string, state: RoomState, restarted: boolean): Promise<void> {
    const from = (state.joinedAt ?? 0) - this.clock.marginMs;
    const recent = restarted
      ? undefined
      : await eventsSince(this.cmd, this.keys(room), from, this.historySize, (entry) =>
          decodeEntry(room, entry),
        );
    if (!recent) {
      const { offset } = await this.history(room);
      this.logger.warn(
        { room, offset, restarted },
        'bus cannot tell what a room missed while disconnected; listeners told to resync',
      );
      state.resumeFrom = state.last = offset;
      this.announceGap(state, { room, offset });
      return;
    }
    for (const event of recent) this.deliver(state, event);
  }

  private onMessage(channel: string, message: string): void {
    const room = roomOfMessage(message);
    const state = room === undefined ? undefined : this.rooms.get(room);
    // Most messages of a shard are for rooms this instance has no listener in: dropped unread.
    if (room !== undefined && !state) return;
    const event = room === undefined ? undefined : decodeMessage(room, message);
    if (!state || event === undefined) {
      this.logger.error({ channel, message: message.slice(0, 500) }, 'malformed bus message dropped');
      return;
    }
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
