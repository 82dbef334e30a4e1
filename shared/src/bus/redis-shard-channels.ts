import type { Redis, RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { logRedisConnectionChanges } from '../health/redis-connection.js';
import type { RedisClock } from './redis-clock.js';
import { liveChannel } from './redis-wire.js';
import { allOrNothing, TurnBatch } from './turn-batch.js';

/** How often the Redis clock offset is measured again while subscribed (drift, clock steps). */
const CLOCK_REFRESH_MS = 5 * 60_000;

export interface ShardChannelsDeps {
  /** The command connection: duplicated for subscribing, and where the clock is read. */
  cmd: Redis;
  connection: RedisOptions;
  prefix: string;
  clock: RedisClock;
  logger: Logger;
  onMessage(channel: string, message: string): void;
  /**
   * The subscriber connection is back after a drop: the shard channels are being subscribed
   * again; `resubscribed` settles once they are, telling whether Redis restarted meanwhile.
   */
  onReconnect(resubscribed: Promise<{ restarted: boolean }>): void;
}

/**
 * The subscriber side of RedisBus: one lazily created connection listening to the shard channels
 * this instance has needed so far (each kept until close), and the Redis clock measured beside it.
 * A shard is *live* while its SUBSCRIBE is acknowledged on the current connection; every event of
 * its rooms published from then on arrives here.
 */
export class ShardChannels {
  private sub: Redis | undefined;
  private connectedBefore = false;
  private closed = false;
  private clockTimer: NodeJS.Timeout | undefined;
  /** Shards whose channel this instance listens to (kept until close). */
  private readonly wanted = new Set<number>();
  /** Shards whose SUBSCRIBE is acknowledged on the current subscriber connection. */
  private readonly live = new Set<number>();
  private readonly goingLive = new Map<number, Promise<void>>();
  private readonly subscribes = new TurnBatch<string, void>(
    allOrNothing((channels) => this.subscriber().subscribe(...channels)),
  );

  constructor(private readonly deps: ShardChannelsDeps) {}

  /** Whether events of `shard` published from now on arrive, without waiting for anything. */
  isLive(shard: number): boolean {
    return this.deps.clock.known && this.sub?.status === 'ready' && this.live.has(shard);
  }

  /** False while the subscriber connection is down (ping/readiness). */
  get connected(): boolean {
    return !this.sub || this.sub.status === 'ready';
  }

  /** Subscribes the shard's channel (and measures the Redis clock) unless that is done already. */
  goLive(shard: number): Promise<void> {
    if (this.isLive(shard)) return Promise.resolve();
    // Fail at once rather than queue behind a reconnect: the caller (a connection joining its
    // own room) is better told to come back than left waiting.
    if (this.connectedBefore && this.sub?.status !== 'ready')
      return Promise.reject(new Error('the bus subscriber is reconnecting to Redis'));
    let pending = this.goingLive.get(shard);
    if (!pending) {
      this.wanted.add(shard);
      const { clock, prefix } = this.deps;
      pending = Promise.all([
        clock.known ? undefined : clock.measure(),
        this.subscribes.add(liveChannel(prefix, shard)),
      ])
        .then(() => {
          this.live.add(shard);
          this.startClockRefresh();
        })
        .finally(() => this.goingLive.delete(shard));
      this.goingLive.set(shard, pending);
    }
    return pending;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.clockTimer);
    const sub = this.sub;
    if (!sub) return;
    if (sub.status !== 'ready') return sub.disconnect();
    // QUIT fails when the connection drops meanwhile; disconnecting is all that is left.
    await sub.quit().catch(() => sub.disconnect());
  }

  private subscriber(): Redis {
    if (this.sub) return this.sub;
    // No ready check: ioredis runs it with INFO, which Redis refuses once a queued SUBSCRIBE
    // has put the connection in subscriber mode ("only subscriber commands may be used") —
    // seen under load as the first subscriptions of a freshly started gateway failing.
    const sub = this.deps.cmd.duplicate({
      ...this.deps.connection,
      autoResubscribe: false,
      enableReadyCheck: false,
    });
    sub.on('ready', () => {
      if (this.connectedBefore && !this.closed) this.deps.onReconnect(this.resubscribe());
      this.connectedBefore = true;
    });
    // Nothing arrives on a dropped connection: no room may be joined at once until resubscribed.
    sub.on('close', () => this.live.clear());
    sub.on('message', (channel: string, message: string) => this.deps.onMessage(channel, message));
    logRedisConnectionChanges(sub, this.deps.logger, 'bus subscriber');
    this.sub = sub;
    return sub;
  }

  /** Subscribes every wanted shard again; whether Redis restarted (a new run id) meanwhile. */
  private async resubscribe(): Promise<{ restarted: boolean }> {
    const shards = [...this.wanted];
    const channels = shards.map((shard) => liveChannel(this.deps.prefix, shard));
    const [clock] = await Promise.all([
      this.deps.clock.measure(),
      channels.length > 0 ? this.subscriber().subscribe(...channels) : undefined,
    ]);
    for (const shard of shards) this.live.add(shard);
    return clock;
  }

  private startClockRefresh(): void {
    if (this.clockTimer || this.closed) return;
    this.clockTimer = setInterval(() => {
      this.deps.clock
        .measure()
        .catch((err: unknown) => this.deps.logger.debug({ err }, 'bus clock not measured'));
    }, CLOCK_REFRESH_MS);
    this.clockTimer.unref();
  }
}
