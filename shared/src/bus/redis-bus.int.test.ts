import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { type Logger, pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestRedis, type TestRedis } from '../../../test/support/redis.js';
import type { BusEvent, BusGap } from './bus.js';
import { busContractSuite } from './bus.test-suite.js';
import { RedisBus, type RedisBusOptions } from './redis-bus.js';
import { LIVE_CHANNEL_SHARDS, shardOf } from './redis-wire.js';

const HISTORY = 50;
const WAIT = { timeout: 10_000, interval: 10 };
const silent = pino({ level: 'silent' });

let redis: TestRedis;
beforeAll(async () => {
  redis = await createTestRedis();
});
afterAll(async () => {
  await redis.cleanup();
});

const opened: RedisBus[] = [];
function makeRedisBus(options: Partial<RedisBusOptions> = {}): RedisBus {
  const bus = new RedisBus({
    url: redis.url,
    keyPrefix: redis.prefix,
    historySize: HISTORY,
    logger: silent,
    ...options,
  });
  opened.push(bus);
  return bus;
}
afterEach(async () => {
  await Promise.all(opened.splice(0).map((bus) => bus.close()));
});

busContractSuite(
  'RedisBus',
  async () => {
    // Two instances on one prefix: what two gateway instances look like to each other.
    const bus = makeRedisBus();
    const second = makeRedisBus();
    return { bus, second, historySize: HISTORY, cleanup: async () => {} };
  },
  { multiInstance: true },
);

/** Log lines written by a bus, parsed. */
function capturingLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { logger, lines };
}

async function numsub(channel: string): Promise<number> {
  const reply = (await redis.client.call('PUBSUB', 'NUMSUB', channel)) as [string, number];
  return Number(reply[1]);
}

function shardChannel(room: string): string {
  return `${redis.prefix}bus:live:${shardOf(room)}`;
}

/** Another room on the same shard channel as `room`. */
function roomInShardOf(room: string): string {
  for (;;) {
    const candidate = `user:${randomUUID()}`;
    if (shardOf(candidate) === shardOf(room)) return candidate;
  }
}

async function deleteEveryKeyUnderPrefix(): Promise<void> {
  const keys = await redis.client.keys(`${redis.prefix}*`);
  if (keys.length > 0) await redis.client.del(...keys);
}

/** A TCP hop to the real Redis that the test can take down and bring back: an outage on demand. */
async function startOutageProxy(): Promise<{ url: string; down(): Promise<void>; up(): Promise<void> }> {
  const target = new URL(redis.url);
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  let port = 0;
  const up = () =>
    new Promise<void>((resolve) => {
      server = net.createServer((client) => {
        const upstream = net.connect(Number(target.port), target.hostname);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => s.destroy()); // the other side's close tears this one down too
        }
        client.pipe(upstream).pipe(client);
        client.on('close', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
      });
      server.listen(port, '127.0.0.1', () => {
        port = (server!.address() as net.AddressInfo).port;
        resolve();
      });
    });
  const down = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server!.close(() => resolve());
    });
  await up();
  return { url: `redis://127.0.0.1:${port}`, down, up };
}

describe('RedisBus on a real Redis', () => {
  it('keeps every key and channel under the prefix, with the room hash-tagged', async () => {
    const bus = makeRedisBus();
    const room = `user:${randomUUID()}`;
    await bus.subscribe(room, () => {});
    await bus.publish(room, 'session.revoked', { sessionId: 's' });
    const keys = await redis.client.keys(`*${room}*`);
    expect(keys.sort()).toEqual(['epoch', 'seq', 'stream'].map((k) => `${redis.prefix}{room:${room}}:${k}`));
    expect(await numsub(shardChannel(room))).toBe(1);
  });

  it('subscribes a shard channel once and joins later rooms of that shard with no Redis command', async () => {
    const bus = makeRedisBus();
    const first = `node:${randomUUID()}`;
    const sibling = roomInShardOf(first);
    // Nothing is live yet: joining at once is not possible, and subscribes nothing.
    expect(bus.subscribeNow(first, () => {})).toBeUndefined();
    expect(await numsub(shardChannel(first))).toBe(0);
    const stopFirst = await bus.subscribe(first, () => {});
    expect(await numsub(shardChannel(first))).toBe(1);
    const seen: BusEvent[] = [];
    const stopSibling = bus.subscribeNow(sibling, (event) => seen.push(event));
    expect(stopSibling).toBeDefined();
    const published = await bus.publish(sibling, 'a', 1);
    await vi.waitFor(() => expect(seen).toEqual([published]), WAIT);
    // The channel outlives its rooms: leaving and joining again costs nothing either.
    await stopFirst();
    await stopSibling?.();
    expect(await numsub(shardChannel(first))).toBe(1);
    expect(bus.subscribeNow(first, () => {})).toBeDefined();
    // An instance listens to LIVE_CHANNEL_SHARDS channels at most, however many rooms it joins.
    await Promise.all(
      Array.from({ length: 500 }, (_, i) => bus.subscribe(`user:${i}-${randomUUID()}`, () => {})),
    );
    const channels = (await redis.client.call('PUBSUB', 'CHANNELS', `${redis.prefix}*`)) as string[];
    expect(channels.length).toBeLessThanOrEqual(LIVE_CHANNEL_SHARDS);
  });

  it('trims the stream to exactly the history size', async () => {
    const bus = makeRedisBus();
    const room = `node:${randomUUID()}`;
    await Promise.all(Array.from({ length: HISTORY * 3 }, (_, i) => bus.publish(room, 'tick', i)));
    expect(await redis.client.xlen(`${redis.prefix}{room:${room}}:stream`)).toBe(HISTORY);
  });

  it('answers recovered:false for an old offset after the keys are gone (FLUSHALL, restart)', async () => {
    const bus = makeRedisBus();
    const room = `user:${randomUUID()}`;
    const old = await bus.publish(room, 'session.revoked', { n: 1 });
    await bus.publish(room, 'session.revoked', { n: 2 });
    await deleteEveryKeyUnderPrefix();

    expect(await bus.history(room, old.offset)).toMatchObject({ events: [], recovered: false });
    const fresh = await bus.publish(room, 'session.revoked', { n: 3 });
    // Same sequence number as before the reset, but a new epoch: never mistaken for the old one.
    expect(fresh.offset.split('-')[1]).toBe('1');
    expect(fresh.offset).not.toBe(old.offset);
    expect(await bus.history(room, old.offset)).toEqual({
      events: [],
      recovered: false,
      offset: fresh.offset,
    });
    const before = await bus.history(room);
    const next = await bus.publish(room, 'session.revoked', { n: 4 });
    expect(await bus.history(room, before.offset)).toEqual({
      events: [next],
      recovered: true,
      offset: next.offset,
    });
  });

  it('expires idle history when a TTL is set', async () => {
    const bus = makeRedisBus({ historyTtlSeconds: 60 });
    const room = `user:${randomUUID()}`;
    await bus.publish(room, 'a', 1);
    for (const k of ['stream', 'seq', 'epoch']) {
      const ttl = await redis.client.ttl(`${redis.prefix}{room:${room}}:${k}`);
      expect(ttl, k).toBeGreaterThan(50);
    }
  });

  it('logs a malformed message instead of dropping it silently', async () => {
    const { logger, lines } = capturingLogger();
    const bus = makeRedisBus({ logger });
    const room = `user:${randomUUID()}`;
    const seen: BusEvent[] = [];
    await bus.subscribe(room, (e) => seen.push(e));
    // One that names no room, and one for a room listened to whose offset and body are garbage.
    const malformed = ['garbage', `not-an-offset 1 ${room} {"event":"a"}`];
    for (const message of malformed) await redis.client.publish(shardChannel(room), message);
    const good = await bus.publish(room, 'a', 1);
    await vi.waitFor(() => expect(seen).toEqual([good]), WAIT);
    for (const message of malformed)
      expect(lines).toContainEqual(
        expect.objectContaining({ level: 50, msg: 'malformed bus message dropped', message }),
      );
  });

  it('logs a listener that throws', async () => {
    const { logger, lines } = capturingLogger();
    const bus = makeRedisBus({ logger });
    const room = `user:${randomUUID()}`;
    await bus.subscribe(room, () => {
      throw new Error('listener bug');
    });
    await bus.publish(room, 'a', 1);
    await vi.waitFor(
      () => expect(lines).toContainEqual(expect.objectContaining({ msg: 'bus listener threw', room })),
      WAIT,
    );
  });

  it('rejects a publish while Redis is unreachable instead of hanging', async () => {
    const proxy = await startOutageProxy();
    const bus = makeRedisBus({ url: proxy.url, commandTimeoutMs: 3_000 });
    await bus.publish(`user:${randomUUID()}`, 'a', 1);
    await proxy.down();
    const started = Date.now();
    await expect(bus.publish(`user:${randomUUID()}`, 'a', 2)).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await bus.ping()).toBe(false);
    await proxy.up();
    await vi.waitFor(async () => expect(await bus.ping()).toBe(true), WAIT);
  });

  it('resubscribes after a reconnect and replays what was published meanwhile, in order, once', async () => {
    const proxy = await startOutageProxy();
    const { logger, lines } = capturingLogger();
    const gateway = makeRedisBus({ url: proxy.url, logger });
    const api = makeRedisBus();
    const room = `user:${randomUUID()}`;
    const seen: BusEvent[] = [];
    const gaps: BusGap[] = [];
    await gateway.subscribe(
      room,
      (e) => seen.push(e),
      (gap) => gaps.push(gap),
    );
    const before = await api.publish(room, 'a', 'before');
    await vi.waitFor(() => expect(seen).toHaveLength(1), WAIT);

    await proxy.down();
    const during = [await api.publish(room, 'a', 'during 1'), await api.publish(room, 'a', 'during 2')];
    await proxy.up();
    await vi.waitFor(() => expect(seen).toEqual([before, ...during]), WAIT);
    await vi.waitFor(async () => expect(await numsub(shardChannel(room))).toBe(1), WAIT);
    const after = await api.publish(room, 'a', 'after');
    await vi.waitFor(() => expect(seen).toEqual([before, ...during, after]), WAIT);
    expect(lines.filter((l) => Number(l.level) >= 50)).toEqual([]);
    // Everything missed was replayed: continuity held, so nobody is told to resync.
    expect(gaps).toEqual([]);
  });

  it('replays what a room joined at once missed while disconnected, though it had seen no event', async () => {
    const proxy = await startOutageProxy();
    const { logger, lines } = capturingLogger();
    const gateway = makeRedisBus({ url: proxy.url, logger });
    const api = makeRedisBus();
    const first = `user:${randomUUID()}`;
    await gateway.subscribe(first, () => {});
    const room = roomInShardOf(first);
    // An event from well before the join (beyond the clock margin of 1 s) is not replayed.
    await api.publish(room, 'a', 'long before');
    await new Promise((resolve) => setTimeout(resolve, 1_300));
    const seen: BusEvent[] = [];
    const gaps: BusGap[] = [];
    const stop = gateway.subscribeNow(
      room,
      (e) => seen.push(e),
      (gap) => gaps.push(gap),
    );
    expect(stop).toBeDefined();
    await proxy.down();
    const during = [await api.publish(room, 'a', 'during 1'), await api.publish(room, 'a', 'during 2')];
    await proxy.up();
    await vi.waitFor(() => expect(seen).toEqual(during), WAIT);
    expect(gaps).toEqual([]);
    const after = await api.publish(room, 'a', 'after');
    await vi.waitFor(() => expect(seen.at(-1)).toEqual(after), WAIT);
    expect(lines.filter((l) => Number(l.level) >= 50)).toEqual([]);
  });

  it('tells gap listeners when the outage outlasted the history it could replay, then carries on', async () => {
    const proxy = await startOutageProxy();
    const { logger, lines } = capturingLogger();
    const gateway = makeRedisBus({ url: proxy.url, logger });
    const api = makeRedisBus();
    const room = `user:${randomUUID()}`;
    const seen: BusEvent[] = [];
    const gaps: BusGap[] = [];
    await gateway.subscribe(
      room,
      (e) => seen.push(e),
      (gap) => gaps.push(gap),
    );
    await proxy.down();
    let last: BusEvent | undefined;
    for (let i = 0; i < HISTORY + 1; i++) last = await api.publish(room, 'tick', i);
    await proxy.up();
    await vi.waitFor(() => expect(gaps).toEqual([{ room, offset: last?.offset }]), WAIT);
    expect(lines).toContainEqual(
      expect.objectContaining({ level: 40, room, msg: expect.stringMatching(/resync/) }),
    );
    const after = await api.publish(room, 'tick', 'after');
    await vi.waitFor(() => expect(seen).toEqual([after]), WAIT);
    expect(gaps).toHaveLength(1);
  });

  it('tells gap listeners once when Redis came back empty, and delivers the new epoch', async () => {
    const proxy = await startOutageProxy();
    const gateway = makeRedisBus({ url: proxy.url });
    const api = makeRedisBus();
    const room = `user:${randomUUID()}`;
    const seen: BusEvent[] = [];
    const gaps: BusGap[] = [];
    await gateway.subscribe(
      room,
      (e) => seen.push(e),
      (gap) => gaps.push(gap),
    );
    const before = await api.publish(room, 'a', 'before');
    await vi.waitFor(() => expect(seen).toEqual([before]), WAIT);
    await proxy.down();
    await deleteEveryKeyUnderPrefix();
    const reset = [await api.publish(room, 'a', 'new epoch 1'), await api.publish(room, 'a', 'new epoch 2')];
    await proxy.up();
    await vi.waitFor(() => expect(gaps).toEqual([{ room, offset: reset[1]?.offset }]), WAIT);
    const after = await api.publish(room, 'a', 'after');
    await vi.waitFor(() => expect(seen).toEqual([before, after]), WAIT);
    expect(gaps).toHaveLength(1);
  });
});
