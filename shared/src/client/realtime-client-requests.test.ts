import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { event, setup, tick } from './test-harness.test-suite.js';

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') });
});
afterEach(() => {
  vi.useRealTimers();
});

async function connected(overrides: Parameters<typeof setup>[0] = {}) {
  const t = setup(overrides);
  t.client.start();
  await tick();
  t.accept();
  return t;
}

describe('RealtimeClient requests', () => {
  it('publish resolves on `published` and rejects on `error` with its own id', async () => {
    const t = await connected();
    const first = t.client.publish('node:42', 'status', { drift: false });
    const second = t.client.publish('node:42', 'status', { drift: true });
    expect(t.latest().frames()).toEqual([
      { type: 'publish', room: 'node:42', event: 'status', data: { drift: false }, id: 'c1' },
      { type: 'publish', room: 'node:42', event: 'status', data: { drift: true }, id: 'c2' },
    ]);
    t.latest().receive({ type: 'error', code: 'rate_limited', message: 'slow down', id: 'c2' });
    t.latest().receive({ type: 'published', room: 'node:42', offset: '3-7', id: 'c1' });
    await expect(first).resolves.toEqual({ offset: '3-7' });
    await expect(second).rejects.toMatchObject({ name: 'RealtimeClientError', code: 'rate_limited' });
    expect(t.errors).toEqual([]);
  });

  it('publish rejects when not connected, on disconnect, on timeout and for oversized frames', async () => {
    const t = setup({ requestTimeoutMs: 5_000, maxFrameBytes: 1_000 });
    await expect(t.client.publish('fleet', 'x', {})).rejects.toMatchObject({ code: 'not_connected' });
    t.client.start();
    await tick();
    t.accept();
    await expect(t.client.publish('fleet', 'x', 'é'.repeat(600))).rejects.toMatchObject({
      code: 'frame_too_large',
    });
    const timedOut = t.client.publish('fleet', 'x', {});
    const assertion = expect(timedOut).rejects.toMatchObject({ code: 'timeout' });
    await vi.advanceTimersByTimeAsync(5_000);
    await assertion;
    const dropped = t.client.publish('fleet', 'x', {});
    t.latest().drop(1006);
    await expect(dropped).rejects.toMatchObject({ code: 'disconnected' });
  });

  it('ping resolves on the matching pong', async () => {
    const t = await connected();
    const rtt = t.client.ping();
    await vi.advanceTimersByTimeAsync(40);
    t.latest().receive({ type: 'pong', id: 'c1' });
    await expect(rtt).resolves.toBe(40);
  });

  it('reports a refused subscribe with its room, and unsubscribes when the last handler leaves', async () => {
    const t = await connected();
    const seen: string[] = [];
    const stopA = t.client.subscribe('node:9', (e) => seen.push(`a${e.offset}`));
    const stopB = t.client.subscribe('node:9', (e) => seen.push(`b${e.offset}`));
    t.latest().receive({ type: 'error', code: 'forbidden', message: 'not your node', id: 'c1' });
    await tick();
    expect(t.errors).toMatchObject([{ code: 'forbidden', room: 'node:9' }]);
    t.latest().receive(event('node:9', '1-1'));
    stopA();
    stopA();
    t.latest().receive(event('node:9', '1-2'));
    stopB();
    t.latest().receive(event('node:9', '1-3'));
    expect(seen).toEqual(['a1-1', 'b1-1', 'b1-2']);
    expect(
      t
        .latest()
        .frames()
        .map((f) => f.type),
    ).toEqual(['subscribe', 'unsubscribe']);
  });
});

describe('RealtimeClient token refresh', () => {
  it('sends `refresh` with a new token refreshBeforeExpirySeconds before expiry', async () => {
    const t = await connected();
    await vi.advanceTimersByTimeAsync(840_000 - 1);
    expect(t.latest().sent).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(t.latest().frames()).toEqual([{ type: 'refresh', token: 'token-2', id: 'c1' }]);
    t.latest().receive({ type: 'refreshed', expires_at: Math.floor(Date.now() / 1000) + 900, id: 'c1' });
    await vi.advanceTimersByTimeAsync(840_000);
    expect(t.latest().frames().at(-1)).toEqual({ type: 'refresh', token: 'token-3', id: 'c2' });
    expect(t.errors).toEqual([]);
  });

  it('forces a new token when a caching provider returns the expiring one', async () => {
    const token = vi.fn(async (request?: { forceRefresh: boolean }) =>
      request?.forceRefresh ? 'new' : 'cached',
    );
    const t = await connected({ token, refreshBeforeExpirySeconds: 30 });
    await vi.advanceTimersByTimeAsync(870_000);
    expect(token.mock.calls.map(([request]) => request)).toEqual([
      { forceRefresh: false },
      { forceRefresh: false },
      { forceRefresh: true },
    ]);
    expect(t.latest().frames()).toEqual([{ type: 'refresh', token: 'new', id: 'c1' }]);
  });

  it('reports a refused refresh and leaves recovery to the 4001 reconnect', async () => {
    const t = await connected();
    await vi.advanceTimersByTimeAsync(840_000);
    t.latest().receive({ type: 'error', code: 'unauthorized', message: 'session revoked', id: 'c1' });
    await tick();
    expect(t.errors).toMatchObject([{ code: 'refresh_failed', cause: { code: 'unauthorized' } }]);
    expect(t.client.state).toBe('open');
  });
});

describe('RealtimeClient never throws from socket callbacks', () => {
  it('reports a throwing handler and still runs the others', async () => {
    const t = await connected();
    const seen: string[] = [];
    t.client.subscribe('fleet', () => {
      throw new Error('boom');
    });
    t.client.subscribe('fleet', (e) => seen.push(e.offset));
    expect(() => t.latest().receive(event('fleet', '1-1'))).not.toThrow();
    expect(seen).toEqual(['1-1']);
    expect(t.errors).toMatchObject([{ code: 'handler_failed', room: 'fleet', message: 'boom' }]);
  });

  it('reports frames it does not understand', async () => {
    const t = await connected();
    t.latest().receiveRaw('{not json');
    t.latest().receiveRaw(new Uint8Array([1, 2]));
    t.latest().receive({ type: 'event', room: 'fleet' });
    t.latest().receive({ type: 'surprise' });
    expect(t.errors.map((e) => e.code)).toEqual(['bad_frame', 'bad_frame', 'bad_frame', 'bad_frame']);
    expect(t.client.state).toBe('open');
  });

  it('keeps reconnecting when an event listener throws', async () => {
    const t = await connected();
    t.client.on('close', () => {
      throw new Error('listener bug');
    });
    expect(() => t.latest().drop(1006)).not.toThrow();
    await t.reconnect();
    expect(t.sockets).toHaveLength(2);
  });
});
