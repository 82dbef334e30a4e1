import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type Bus, type BusEvent, compareOffsets } from './bus.js';

/** What a test of the contract needs from one implementation. */
export interface BusFixture {
  bus: Bus;
  /** Another instance sharing the same history and channels (two gateway instances). */
  second?: Bus;
  /** The history size the buses were built with (default 1,000); kept small keeps tests fast. */
  historySize?: number;
  cleanup(): Promise<void>;
}

const WAIT = { timeout: 5_000, interval: 5 };

function uniqueRoom(): string {
  return `room:${randomUUID()}`;
}

/** Records what a listener receives; `stop` unsubscribes. */
async function record(bus: Bus, room: string): Promise<{ events: BusEvent[]; stop: () => Promise<void> }> {
  const events: BusEvent[] = [];
  const stop = await bus.subscribe(room, (event) => events.push(event));
  return { events, stop };
}

/**
 * The behaviour every Bus implementation must show. Each test gets fresh buses from `makeBus`
 * and its own room, so implementations that share state (one Redis prefix) stay independent.
 */
/**
 * `multiInstance`: the implementation can run as several instances sharing rooms (RedisBus);
 * only then is the cross-instance case defined — a single-process bus has no second instance.
 */
export function busContractSuite(
  name: string,
  makeBus: () => Promise<BusFixture>,
  options: { multiInstance: boolean } = { multiInstance: false },
): void {
  describe(`${name} satisfies the Bus contract`, () => {
    let fixture: BusFixture;
    let bus: Bus;
    let cap: number;

    beforeEach(async () => {
      fixture = await makeBus();
      bus = fixture.bus;
      cap = fixture.historySize ?? 1000;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    it('delivers a published event to a subscriber, as publish returned it', async () => {
      const room = uniqueRoom();
      const seen = await record(bus, room);
      const published = await bus.publish(room, 'session.revoked', { sessionId: 's1', at: [1, 2] });
      await vi.waitFor(() => expect(seen.events).toHaveLength(1), WAIT);
      expect(seen.events[0]).toEqual(published);
      expect(published).toMatchObject({
        room,
        event: 'session.revoked',
        data: { sessionId: 's1', at: [1, 2] },
      });
      expect(Math.abs(published.ts - Date.now())).toBeLessThan(60_000);
    });

    it('keeps the order of 500 rapid publishes, with increasing offsets', async () => {
      const room = uniqueRoom();
      const seen = await record(bus, room);
      const published = await Promise.all(
        Array.from({ length: 500 }, (_, i) => bus.publish(room, 'tick', i)),
      );
      await vi.waitFor(() => expect(seen.events).toHaveLength(500), WAIT);
      expect(seen.events.map((e) => e.data)).toEqual(published.map((_, i) => i));
      expect(seen.events.map((e) => e.offset)).toEqual(published.map((e) => e.offset));
      for (let i = 1; i < published.length; i++) {
        expect(compareOffsets(published[i - 1]!.offset, published[i]!.offset)).toBeLessThan(0);
      }
    });

    it('reports the current top offset when history is asked without since', async () => {
      const room = uniqueRoom();
      const empty = await bus.history(room);
      expect(empty).toEqual({ events: [], recovered: true, offset: expect.any(String) });
      const last = await bus.publish(room, 'a', 1);
      expect(compareOffsets(empty.offset, last.offset)).toBeLessThan(0);
      expect(await bus.history(room)).toEqual({ events: [], recovered: true, offset: last.offset });
    });

    it('returns exactly the events missed since an offset, oldest first', async () => {
      const room = uniqueRoom();
      const before = await bus.history(room);
      const first = await bus.publish(room, 'config.changed', { v: 1 });
      await bus.publish(room, 'config.changed', { v: 2 });
      const third = await bus.publish(room, 'config.changed', { v: 3 });
      const missed = [];
      for (let v = 4; v <= 7; v++) missed.push(await bus.publish(room, 'config.changed', { v }));

      const result = await bus.history(room, third.offset);
      expect(result).toEqual({ events: missed, recovered: true, offset: missed.at(-1)!.offset });
      // An offset handed out before the room's first event still covers that event.
      const fromStart = await bus.history(room, before.offset);
      expect(fromStart.recovered).toBe(true);
      expect(fromStart.events.map((e) => e.data)).toEqual([1, 2, 3, 4, 5, 6, 7].map((v) => ({ v })));
      expect(fromStart.events[0]).toEqual(first);
      // Caught up: nothing missed, still recovered.
      expect(await bus.history(room, result.offset)).toEqual({
        events: [],
        recovered: true,
        offset: result.offset,
      });
    });

    it('answers recovered:false once history no longer reaches back to since', async () => {
      const room = uniqueRoom();
      const start = await bus.history(room);
      const published: BusEvent[] = [];
      for (let i = 0; i < cap + 1; i++) published.push(await bus.publish(room, 'tick', i));

      // The oldest event is trimmed: since before it cannot be served in full.
      const lost = await bus.history(room, start.offset);
      expect(lost).toEqual({ events: [], recovered: false, offset: published.at(-1)!.offset });
      // Right after the trimmed event, the whole retained history (exactly `cap` events) is served.
      const kept = await bus.history(room, published[0]!.offset);
      expect(kept.recovered).toBe(true);
      expect(kept.events).toEqual(published.slice(1));
    });

    it('answers recovered:false for an offset the room never issued', async () => {
      const room = uniqueRoom();
      const top = await bus.publish(room, 'a', 1);
      for (const since of ['garbage', '', '1-x', '0-0', `${top.offset}0`]) {
        expect(await bus.history(room, since)).toEqual({ events: [], recovered: false, offset: top.offset });
      }
    });

    it('stops delivering to a listener once it unsubscribes', async () => {
      const room = uniqueRoom();
      const leaving = await record(bus, room);
      const staying = await record(bus, room);
      await bus.publish(room, 'a', 1);
      await vi.waitFor(() => expect(leaving.events).toHaveLength(1), WAIT);
      await leaving.stop();
      await leaving.stop(); // a second call is harmless
      await bus.publish(room, 'a', 2);
      await vi.waitFor(() => expect(staying.events).toHaveLength(2), WAIT);
      expect(leaving.events.map((e) => e.data)).toEqual([1]);
      await staying.stop();
    });

    it('subscribeNow joins a room the bus already delivers at once, and stops like subscribe', async () => {
      const room = uniqueRoom();
      const first = await record(bus, room);
      const events: BusEvent[] = [];
      const stop = bus.subscribeNow(room, (event) => events.push(event));
      expect(stop).toBeTypeOf('function');
      const published = await bus.publish(room, 'a', 'now');
      await vi.waitFor(() => expect(events).toEqual([published]), WAIT);
      await stop?.();
      await bus.publish(room, 'a', 'after');
      await vi.waitFor(() => expect(first.events).toHaveLength(2), WAIT);
      expect(events).toEqual([published]);
    });

    it('subscribeNow either joins at once or subscribes nothing', async () => {
      const room = uniqueRoom();
      const events: BusEvent[] = [];
      const stop = bus.subscribeNow(room, (event) => events.push(event));
      const witness = await record(bus, uniqueRoom());
      await bus.publish(room, 'a', 1);
      if (stop) await vi.waitFor(() => expect(events).toHaveLength(1), WAIT);
      else {
        // Give a stray delivery the time it would need, then check there was none.
        await bus.publish(room, 'a', 2);
        await new Promise((resolve) => setTimeout(resolve, 50));
        expect(events).toEqual([]);
      }
      await witness.stop();
    });

    it('delivers to every listener of a room and keeps rooms apart', async () => {
      const room = uniqueRoom();
      const other = uniqueRoom();
      const one = await record(bus, room);
      const two = await record(bus, room);
      const elsewhere = await record(bus, other);
      await bus.publish(room, 'a', 'for room');
      await bus.publish(other, 'a', 'for other');
      await vi.waitFor(() => expect(elsewhere.events).toHaveLength(1), WAIT);
      await vi.waitFor(() => expect(one.events).toHaveLength(1), WAIT);
      expect(two.events).toEqual(one.events);
      expect(one.events[0]!.data).toBe('for room');
      expect(elsewhere.events[0]!.data).toBe('for other');
    });

    it('keeps delivering to other listeners when one throws', async () => {
      const room = uniqueRoom();
      await bus.subscribe(room, () => {
        throw new Error('listener bug');
      });
      const healthy = await record(bus, room);
      await bus.publish(room, 'a', 1);
      await bus.publish(room, 'a', 2);
      await vi.waitFor(() => expect(healthy.events.map((e) => e.data)).toEqual([1, 2]), WAIT);
    });

    it('transports data as JSON and rejects what JSON cannot carry', async () => {
      const room = uniqueRoom();
      const seen = await record(bus, room);
      const published = await bus.publish(room, 'a', undefined);
      expect(published.data).toBeNull();
      await vi.waitFor(() => expect(seen.events).toHaveLength(1), WAIT);
      expect(seen.events[0]!.data).toBeNull();
      await expect(bus.publish(room, 'a', 10n)).rejects.toThrow(TypeError);
      await expect(bus.publish('', 'a', 1)).rejects.toThrow(TypeError);
    });

    it('answers ping while open and refuses work after close', async () => {
      await vi.waitFor(async () => expect(await bus.ping()).toBe(true), WAIT);
      await bus.close();
      expect(await bus.ping()).toBe(false);
      await expect(bus.publish(uniqueRoom(), 'a', 1)).rejects.toThrow(/closed/);
      await expect(bus.history(uniqueRoom())).rejects.toThrow(/closed/);
      await expect(bus.subscribe(uniqueRoom(), () => {})).rejects.toThrow(/closed/);
    });

    if (options.multiInstance) {
      it('delivers across instances and shares history between them', async () => {
        const second = fixture.second;
        if (!second) throw new Error('a multi-instance fixture must provide `second`');
        const room = uniqueRoom();
        const onSecond = await record(second, room);
        const onFirst = await record(bus, room);
        const a = await bus.publish(room, 'from.first', 1);
        const b = await second.publish(room, 'from.second', 2);
        await vi.waitFor(() => expect(onSecond.events).toEqual([a, b]), WAIT);
        await vi.waitFor(() => expect(onFirst.events).toEqual([a, b]), WAIT);
        expect((await second.history(room, a.offset)).events).toEqual([b]);
      });
    }
  });
}
