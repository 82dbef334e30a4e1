import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { event, setup, tick } from './test-harness.test-suite.js';

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('RealtimeClient connection', () => {
  it('offers the bearer subprotocol with the token and subscribes every room on open', async () => {
    const t = setup();
    t.client.subscribe('fleet', () => undefined);
    t.client.start();
    await tick();
    expect(t.latest().url).toBe('ws://gateway.test/ws');
    expect(t.latest().protocols).toEqual(['bearer', 'token-1']);
    expect(t.token).toHaveBeenCalledWith({ forceRefresh: false });
    t.accept();
    t.client.subscribe('node:42', () => undefined);
    expect(t.latest().frames()).toEqual([
      { type: 'subscribe', room: 'fleet', id: 'c1' },
      { type: 'subscribe', room: 'node:42', id: 'c2' },
    ]);
    expect(t.states).toEqual(['connecting', 'open']);
  });

  it('resubscribes with since = last offset after a drop and de-duplicates the overlapping replay', async () => {
    const t = setup();
    const seen: string[] = [];
    t.client.subscribe('fleet', (e) => seen.push(e.offset));
    t.client.start();
    await tick();
    t.accept();
    t.latest().receive({ type: 'subscribed', room: 'fleet', offset: '5-2', recovered: true, id: 'c1' });
    t.latest().receive(event('fleet', '5-3'));
    t.latest().receive(event('fleet', '5-4'));
    t.latest().drop(1006);
    expect(t.client.state).toBe('reconnecting');
    expect(t.closes.at(-1)).toEqual({ code: 1006, reason: '', terminal: false, reconnectInMs: 1_000 });

    await t.reconnect();
    expect(t.sockets).toHaveLength(2);
    t.accept();
    expect(t.latest().frames()).toEqual([{ type: 'subscribe', room: 'fleet', since: '5-4', id: 'c2' }]);
    // Live events of a room the gateway joined on its own may arrive before the answer: they
    // are skipped, because the gateway answers first and then replays everything after `since`.
    t.latest().receive(event('fleet', '5-6'));
    t.latest().receive({ type: 'subscribed', room: 'fleet', offset: '5-6', recovered: true, id: 'c2' });
    // Replay overlapping what was already delivered, then live delivery repeating the replay.
    for (const offset of ['5-3', '5-4', '5-5', '5-6', '5-5', '5-6', '5-7']) {
      t.latest().receive(event('fleet', offset));
    }
    expect(seen).toEqual(['5-3', '5-4', '5-5', '5-6', '5-7']);
    expect(t.errors).toEqual([]);
  });

  it('treats an unparseable offset as newer rather than dropping the event', async () => {
    const t = setup();
    const seen: string[] = [];
    t.client.subscribe('fleet', (e) => seen.push(e.offset));
    t.client.start();
    await tick();
    t.accept();
    t.latest().receive(event('fleet', '5-9'));
    t.latest().receive(event('fleet', 'opaque-x'));
    t.latest().receive(event('fleet', '5-1'));
    expect(seen).toEqual(['5-9', 'opaque-x', '5-1']);
  });

  it('asks the app to resync when history no longer reaches back, and continues from the new offset', async () => {
    const onResync = vi.fn();
    const t = setup({ onResync });
    const resyncs: string[] = [];
    t.client.on('resync', ({ room }) => resyncs.push(room));
    const seen: string[] = [];
    t.client.subscribe('fleet', (e) => seen.push(e.offset));
    t.client.start();
    await tick();
    t.accept();
    t.latest().receive(event('fleet', '5-4'));
    t.latest().drop(4009);
    await t.reconnect();
    t.accept();
    expect(t.latest().frames()[0]).toMatchObject({ type: 'subscribe', room: 'fleet', since: '5-4' });
    // The room's history was reset: a new epoch whose offsets must not be taken for duplicates.
    t.latest().receive({ type: 'subscribed', room: 'fleet', offset: '7-1', recovered: false });
    t.latest().receive(event('fleet', '7-2'));
    expect(onResync).toHaveBeenCalledWith('fleet');
    expect(resyncs).toEqual(['fleet']);
    expect(seen).toEqual(['5-4', '7-2']);
  });

  it('asks the app to resync when the gateway says, unasked and still connected, that continuity was lost', async () => {
    const t = setup();
    const resyncs: string[] = [];
    t.client.on('resync', ({ room }) => resyncs.push(room));
    const seen: string[] = [];
    t.client.subscribe('fleet', (e) => seen.push(e.offset));
    t.client.start();
    await tick();
    t.accept();
    t.latest().receive(event('fleet', '5-4'));
    // Redis restarted empty under the gateway: an unsolicited notice, then the new epoch.
    t.latest().receive({ type: 'subscribed', room: 'fleet', offset: '8-0', recovered: false });
    t.latest().receive(event('fleet', '8-1'));
    expect(resyncs).toEqual(['fleet']);
    expect(seen).toEqual(['5-4', '8-1']);
    expect(t.client.state).toBe('open');
  });

  it('backs off 1 s, 2 s, 4 s … capped at 60 s while connections keep failing, then resets after a lasting one', async () => {
    const t = setup();
    t.client.start();
    await tick();
    const delays: number[] = [];
    for (let n = 0; n < 9; n++) {
      t.latest().drop(1006);
      delays.push(t.closes.at(-1)!.reconnectInMs!);
      await t.reconnect();
    }
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000]);
    t.accept();
    await vi.advanceTimersByTimeAsync(10_000);
    t.latest().drop(1006);
    expect(t.closes.at(-1)!.reconnectInMs).toBe(1_000);
  });

  it('keeps jittered reconnect delays within ±25 %', async () => {
    let draw = 0;
    const draws = [0, 0.999, 0.25, 0.75];
    const t = setup({ random: () => draws[draw++ % draws.length]! });
    t.client.start();
    await tick();
    const delays: number[] = [];
    for (let n = 0; n < 4; n++) {
      t.latest().drop(1006);
      delays.push(t.closes.at(-1)!.reconnectInMs!);
      await t.reconnect();
    }
    expect(delays).toEqual([750, 2_499, 3_500, 9_000]);
  });

  it('on 4001 gets a fresh token (forceRefresh) before reconnecting', async () => {
    const t = setup();
    t.client.start();
    await tick();
    t.accept();
    t.latest().drop(4001, 'token expired');
    expect(t.token).toHaveBeenCalledTimes(1);
    await t.reconnect();
    expect(t.token).toHaveBeenCalledTimes(2);
    expect(t.token).toHaveBeenLastCalledWith({ forceRefresh: true });
    expect(t.latest().protocols).toEqual(['bearer', 'token-2']);
    // Once the gateway accepted the new token, later reconnects use the cache again.
    t.accept();
    t.latest().drop(1006);
    await t.reconnect();
    expect(t.token).toHaveBeenLastCalledWith({ forceRefresh: false });
  });

  it('retries with back-off when the token provider fails', async () => {
    const t = setup();
    t.token.mockRejectedValueOnce(new Error('auth-api down'));
    t.client.start();
    await tick();
    expect(t.errors.map((e) => e.code)).toEqual(['token_unavailable']);
    expect(t.sockets).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(t.sockets).toHaveLength(1);
  });

  it.each([4003, 4010])('stops for good on %i', async (code) => {
    const t = setup();
    t.client.start();
    await tick();
    t.accept();
    t.latest().drop(code);
    expect(t.client.state).toBe('stopped');
    expect(t.closes).toEqual([{ code, reason: '', terminal: true }]);
    await vi.advanceTimersByTimeAsync(600_000);
    expect(t.sockets).toHaveLength(1);
  });

  it('stop() closes with 1000, rejects pending requests and never reconnects', async () => {
    const t = setup();
    t.client.start();
    await tick();
    t.accept();
    const published = t.client.publish('node:42', 'status', {});
    const stopped = t.client.stop();
    await expect(published).rejects.toMatchObject({ code: 'disconnected' });
    await stopped;
    expect(t.latest().closedWith).toEqual({ code: 1000, reason: 'client stopped' });
    expect(t.client.state).toBe('stopped');
    expect(t.closes).toEqual([{ code: 1000, reason: 'client stopped', terminal: true }]);
    await vi.advanceTimersByTimeAsync(600_000);
    expect(t.sockets).toHaveLength(1);
  });
});
