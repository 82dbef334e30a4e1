import type { BusEvent, HistoryResult } from '@wirefleet/shared/bus';
import { describe, expect, it } from 'vitest';
import { MAX_SHARED_TAIL, SHARED_REPLAY_MS, SharedReplays } from './shared-replays.js';

const event = (seq: number, room = 'fleet'): BusEvent => ({
  room,
  event: 'e',
  data: seq,
  offset: `7-${seq}`,
  ts: 0,
});

/** A Bus history whose reads are answered by hand, in order. */
function fakeBus() {
  const reads: Array<{
    room: string;
    since: string;
    answer: (result: HistoryResult) => void;
    fail: (e: Error) => void;
  }> = [];
  const read = (room: string, since: string) =>
    new Promise<HistoryResult>((answer, fail) => {
      reads.push({ room, since, answer, fail });
    });
  return { reads, read };
}

const recovered = (from: number, to: number): HistoryResult => ({
  events: Array.from({ length: to - from }, (_, index) => event(from + 1 + index)),
  recovered: true,
  offset: `7-${to}`,
});

describe('SharedReplays', () => {
  it('serves joins with the same since from one read, extended by the events received since it was issued', async () => {
    const bus = fakeBus();
    const replays = new SharedReplays(bus.read);
    const first = replays.history('fleet', '7-1');
    // Arrives live before the read executes: it is in the read's answer, so not repeated.
    replays.observe(event(2));
    bus.reads[0]!.answer(recovered(1, 2));
    expect(await first).toEqual(recovered(1, 2));
    replays.observe(event(3));
    replays.observe(event(4));
    const second = await replays.history('fleet', '7-1');
    expect(bus.reads).toHaveLength(1);
    expect(second).toEqual(recovered(1, 4));
  });

  it('keeps rooms and offsets apart', async () => {
    const bus = fakeBus();
    const replays = new SharedReplays(bus.read);
    void replays.history('fleet', '7-1');
    void replays.history('fleet', '7-2');
    void replays.history('node:1', '7-1');
    expect(bus.reads.map((read) => `${read.room} ${read.since}`)).toEqual([
      'fleet 7-1',
      'fleet 7-2',
      'node:1 7-1',
    ]);
  });

  it('reads again once the shared read is older than SHARED_REPLAY_MS', async () => {
    let now = 0;
    const bus = fakeBus();
    const replays = new SharedReplays(bus.read, () => now);
    const first = replays.history('fleet', '7-1');
    bus.reads[0]!.answer(recovered(1, 1));
    await first;
    now = SHARED_REPLAY_MS + 1;
    void replays.history('fleet', '7-1');
    expect(bus.reads).toHaveLength(2);
  });

  it('reads again for a join whose room was forgotten (a gap) while the shared read was in flight', async () => {
    const bus = fakeBus();
    const replays = new SharedReplays(bus.read);
    const join = replays.history('fleet', '7-1');
    replays.forget('fleet');
    bus.reads[0]!.answer(recovered(1, 1));
    await Promise.resolve();
    await Promise.resolve();
    expect(bus.reads).toHaveLength(2);
    bus.reads[1]!.answer(recovered(1, 3));
    expect(await join).toEqual(recovered(1, 3));
  });

  it('forgets a room whose tail grew past MAX_SHARED_TAIL, so nothing is served from a cut tail', async () => {
    const bus = fakeBus();
    const replays = new SharedReplays(bus.read);
    const first = replays.history('fleet', '7-0');
    bus.reads[0]!.answer(recovered(0, 0));
    await first;
    for (let seq = 1; seq <= MAX_SHARED_TAIL + 1; seq += 1) replays.observe(event(seq));
    void replays.history('fleet', '7-0');
    expect(bus.reads).toHaveLength(2);
  });

  it('moves a not-recovered answer to the newest offset received, without events', async () => {
    const bus = fakeBus();
    const replays = new SharedReplays(bus.read);
    const first = replays.history('fleet', '3-9');
    bus.reads[0]!.answer({ events: [], recovered: false, offset: '7-2' });
    await first;
    replays.observe(event(3));
    expect(await replays.history('fleet', '3-9')).toEqual({ events: [], recovered: false, offset: '7-3' });
  });

  it('does not share a failed read', async () => {
    const bus = fakeBus();
    const replays = new SharedReplays(bus.read);
    const first = replays.history('fleet', '7-1');
    bus.reads[0]!.fail(new Error('Command timed out'));
    await expect(first).rejects.toThrow('Command timed out');
    void replays.history('fleet', '7-1');
    expect(bus.reads).toHaveLength(2);
  });
});
