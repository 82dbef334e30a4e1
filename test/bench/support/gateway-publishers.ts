import { createAdapter } from '@socket.io/redis-adapter';
import { RedisBus } from '@wirefleet/shared/bus';
import { createLogger } from '@wirefleet/shared/logging';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';

/** Sends event number `seq`; a promise when the publish is a round trip. */
export interface Publisher {
  publish(seq: number): Promise<unknown> | undefined;
  close(): Promise<void>;
}

/** Monotonic µs (CLOCK_MONOTONIC is machine-wide, so a subscriber process can subtract it). */
export function monotonicMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** A node-status-like payload (~100 bytes) carrying the publish time as `t`. */
export function eventData(seq: number): Record<string, number> {
  return {
    seq,
    t: monotonicMicros(),
    cpu: 0.42,
    rx: 123_456_789,
    tx: 987_654_321,
    peers: 17,
    handshakes: 16,
  };
}

/** The production path: RedisBus.publish (Lua: sequence, capped stream, PUBLISH) to a gateway room. */
export function busPublisher(options: { redisUrl: string; prefix: string; room: string }): Publisher {
  const bus = new RedisBus({
    url: options.redisUrl,
    keyPrefix: options.prefix,
    logger: createLogger({ service: 'bench-publisher', level: 'warn' }),
  });
  return {
    publish: (seq) => bus.publish(options.room, 'status', eventData(seq)),
    close: () => bus.close(),
  };
}

/**
 * For the bare relay: a plain PUBLISH of a frame shaped and sized like the gateway's event
 * frame, so both servers move the same bytes per delivery.
 */
export function relayPublisher(options: { redisUrl: string; channel: string; room: string }): Publisher {
  const redis = new Redis(options.redisUrl);
  const epoch = `${Date.now()}000`;
  return {
    publish: (seq) =>
      redis.publish(
        options.channel,
        JSON.stringify({
          type: 'event',
          room: options.room,
          event: 'status',
          data: eventData(seq),
          offset: `${epoch}-${seq}`,
          ts: Date.now(),
        }),
      ),
    close: async () => {
      redis.disconnect();
    },
  };
}

/** A second Socket.IO instance on the same Redis: `io.to(room).emit` reaches the server under test. */
export function socketIoPublisher(options: { redisUrl: string; key: string; room: string }): Publisher {
  const pub = new Redis(options.redisUrl);
  const sub = pub.duplicate();
  const io = new Server({ adapter: createAdapter(pub, sub, { key: options.key }) });
  return {
    publish: (seq) => {
      io.to(options.room).emit('status', eventData(seq));
      return undefined;
    },
    close: async () => {
      await io.close();
      pub.disconnect();
      sub.disconnect();
    },
  };
}

export interface Pacer {
  /** Messages handed to the publisher so far. */
  readonly sent: number;
  readonly failed: number;
  stop(): Promise<void>;
}

/**
 * Publishes at `perSecond`, evenly: every millisecond it sends what is due by the clock, so a
 * late tick catches up instead of lowering the rate. At most `maxInFlight` publishes wait for
 * Redis at once (beyond that the generator is behind and the run says so through `sent`).
 * Stops by itself after `maxMs`.
 */
export function pace(publisher: Publisher, perSecond: number, maxMs: number, maxInFlight = 1_000): Pacer {
  const started = performance.now();
  let sent = 0;
  let failed = 0;
  let inFlight = 0;
  let stopped = false;
  const loop = async () => {
    while (!stopped && performance.now() - started < maxMs) {
      const due = Math.floor(((performance.now() - started) / 1000) * perSecond);
      while (sent < due && inFlight < maxInFlight) {
        sent += 1;
        const pending = publisher.publish(sent);
        if (pending) {
          inFlight += 1;
          pending.then(
            () => {
              inFlight -= 1;
            },
            () => {
              inFlight -= 1;
              failed += 1;
            },
          );
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  };
  const done = loop();
  return {
    get sent() {
      return sent;
    },
    get failed() {
      return failed;
    },
    async stop() {
      stopped = true;
      await done;
    },
  };
}
