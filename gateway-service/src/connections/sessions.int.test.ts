import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, login } from '../../../test/support/auth-api.js';
import { startRealtimeStack, type RealtimeStack } from '../../../test/support/realtime-stack.js';
import { connect } from '../../../test/support/ws-client.js';

describe('sessions on open connections', () => {
  let stack: RealtimeStack;
  beforeAll(async () => {
    stack = await startRealtimeStack({ instances: 2, gatewayEnv: { GATEWAY_MAX_BACKPRESSURE: String(256 * 1024) } });
  });
  afterAll(async () => {
    await stack.close();
  });

  it('logout on the auth-api closes the session on another instance with 4001 within 1 s', async () => {
    const pair = await login(stack.auth.url);
    const onB = await connect(stack.gateways[1]!.url, pair.access_token);
    await onB.next((frame) => frame.type === 'welcome');
    // Give the automatic user-room join its moment to reach Redis.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    expect((await call(stack.auth.url, 'POST', '/v1/auth/logout', { token: pair.access_token, body: {} })).status).toBe(204);
    const closed = await onB.closed;
    expect(closed.code).toBe(4001);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('a token that expires without refresh closes the connection with 4001', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = stack.tokens.sign({ sub: 'user:1', role: 'admin', iat: now - 60, nbf: now - 60, exp: now - 28 });
    const socket = await connect(stack.gateways[0]!.url, token);
    expect((await socket.closed).code).toBe(4001);
  });

  it('refresh with a token of the same subject extends the connection; another subject is refused', async () => {
    const now = Math.floor(Date.now() / 1000);
    const short = stack.tokens.sign({ sub: 'user:1', role: 'admin', iat: now - 60, nbf: now - 60, exp: now - 27 });
    const socket = await connect(stack.gateways[0]!.url, short);
    await socket.next((frame) => frame.type === 'welcome');
    socket.send({ type: 'refresh', token: stack.tokens.sign({ sub: 'user:2', role: 'admin' }), id: 'r0' });
    expect(await socket.next((frame) => (frame as { id?: string }).id === 'r0')).toMatchObject({ type: 'error', code: 'forbidden' });
    const fresh = stack.tokens.sign({ sub: 'user:1', role: 'admin' });
    socket.send({ type: 'refresh', token: fresh, id: 'r1' });
    const refreshed = await socket.next<{ type: 'refreshed'; expires_at: number }>((frame) => frame.type === 'refreshed');
    expect(refreshed.expires_at).toBeGreaterThan(now + 60);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(socket.ws.readyState).toBe(socket.ws.OPEN);
    socket.close();
  });

  it('a client that stops reading is closed with 4009 instead of growing the gateway buffer', async () => {
    const token = await stack.adminToken();
    const slow = await connect(stack.gateways[0]!.url, token);
    slow.send({ type: 'subscribe', room: 'node:77', id: 's' });
    await slow.next((frame) => frame.type === 'subscribed');
    const socket = (slow.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    socket.pause();
    const payload = { applied_revision: 1, peers: [], state_digest: 'x'.repeat(32 * 1024), drift: false };
    const bus = stack.auth.api.context.bus;
    for (let i = 0; i < 600 && slow.ws.readyState === slow.ws.OPEN; i += 1) {
      await bus.publish('node:77', 'status', payload);
      if (i % 50 === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    socket.resume();
    expect((await slow.closed).code).toBe(4009);
    const metrics = await (await fetch(stack.gateways[0]!.url.replace('ws://', 'http://').replace('/ws', '/metrics'))).text();
    expect(metrics).toMatch(/wirefleet_gateway_slow_consumer_closes_total [1-9]/);
  });
});
