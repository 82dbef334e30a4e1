import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRealtimeStack, type RealtimeStack } from '../../../test/support/realtime-stack.js';
import { connect, type TestSocket } from '../../../test/support/ws-client.js';

describe('frames: every bad input gets the contract error or close code', () => {
  let stack: RealtimeStack;
  let url: string;
  beforeAll(async () => {
    stack = await startRealtimeStack({ instances: 1, gatewayEnv: { GATEWAY_MAX_ROOMS_PER_CONNECTION: '3' } });
    url = stack.gateways[0]!.url;
  });
  afterAll(async () => {
    await stack.close();
  });

  const open = async (token: string) => {
    const socket = await connect(url, token);
    await socket.next((frame) => frame.type === 'welcome');
    return socket;
  };
  const errorFor = (socket: TestSocket, id: string) =>
    socket.next<{ type: 'error'; code: string; message: string }>((frame) => frame.type === 'error' && (frame as { id?: string }).id === id);

  it('a connection may be in at most GATEWAY_MAX_ROOMS_PER_CONNECTION rooms (here 3, its own included)', async () => {
    const socket = await open(await stack.adminToken());
    for (const room of ['node:1', 'node:2']) {
      socket.send({ type: 'subscribe', room, id: room });
      await socket.next((frame) => frame.type === 'subscribed' && (frame as { id?: string }).id === room);
    }
    socket.send({ type: 'subscribe', room: 'node:3', id: 'one-too-many' });
    const refused = await errorFor(socket, 'one-too-many');
    expect(refused).toMatchObject({ code: 'rate_limited', message: expect.stringContaining('3 rooms') });
    // Re-subscribing to a room it is already in is no new room; leaving one makes space.
    socket.send({ type: 'subscribe', room: 'node:2', id: 'again' });
    await socket.next((frame) => frame.type === 'subscribed' && (frame as { id?: string }).id === 'again');
    socket.send({ type: 'unsubscribe', room: 'node:1', id: 'leave' });
    await socket.next((frame) => frame.type === 'unsubscribed');
    socket.send({ type: 'subscribe', room: 'node:3', id: 'fits' });
    await socket.next((frame) => frame.type === 'subscribed' && (frame as { id?: string }).id === 'fits');
    socket.close();
  });

  it('a frame sent before `welcome` is answered after it: welcome is always the first frame', async () => {
    const socket = await connect(url, await stack.adminToken());
    socket.send({ type: 'ping', id: 'early' });
    await socket.next((frame) => frame.type === 'pong');
    expect(socket.frames.map((frame) => frame.type)).toEqual(['welcome', 'pong']);
    socket.close();
  });

  it('ping → pong (with the id)', async () => {
    const socket = await open(await stack.adminToken());
    socket.send({ type: 'ping', id: 'p1' });
    expect(await socket.next((frame) => frame.type === 'pong')).toEqual({ type: 'pong', id: 'p1' });
    socket.close();
  });

  it('malformed JSON and unknown types → error bad_request; the connection stays open', async () => {
    const socket = await open(await stack.adminToken());
    socket.sendRaw('{"type": "subscribe",');
    const malformed = await socket.next<{ type: 'error'; code: string }>((frame) => frame.type === 'error');
    expect(malformed.code).toBe('bad_request');
    socket.send({ type: 'teleport', id: 'x1' });
    expect((await errorFor(socket, 'x1')).code).toBe('bad_request');
    socket.send({ type: 'subscribe', room: 'fleet', extra: true, id: 'x2' });
    expect((await errorFor(socket, 'x2')).code).toBe('bad_request');
    socket.send({ type: 'ping', id: 'still-open' });
    await socket.next((frame) => frame.type === 'pong');
    socket.close();
  });

  it('forbidden rooms and publishes → error forbidden, connection open', async () => {
    const admin = await open(await stack.adminToken());
    admin.send({ type: 'subscribe', room: 'user:999', id: 'f1' });
    expect((await errorFor(admin, 'f1')).code).toBe('forbidden');
    admin.send({ type: 'subscribe', room: 'gateway:control', id: 'f2' });
    expect((await errorFor(admin, 'f2')).code).toBe('forbidden');
    admin.send({ type: 'publish', room: 'fleet', event: 'node.online', data: {}, id: 'f3' });
    expect((await errorFor(admin, 'f3')).code).toBe('forbidden');
    admin.send({ type: 'publish', room: 'node:1', event: 'status', data: {}, id: 'f4' });
    expect((await errorFor(admin, 'f4')).code).toBe('forbidden');
    admin.close();

    const node = await open(stack.nodeToken(1));
    node.send({ type: 'subscribe', room: 'node:2', id: 'n1' });
    expect((await errorFor(node, 'n1')).code).toBe('forbidden');
    node.send({ type: 'subscribe', room: 'fleet', id: 'n2' });
    expect((await errorFor(node, 'n2')).code).toBe('forbidden');
    node.send({ type: 'publish', room: 'node:1', event: 'config.changed', data: { revision: 1 }, id: 'n3' });
    expect((await errorFor(node, 'n3')).code).toBe('forbidden');
    node.send({ type: 'publish', room: 'node:1', event: 'status', data: { nonsense: true }, id: 'n4' });
    expect((await errorFor(node, 'n4')).code).toBe('bad_request');
    node.send({ type: 'publish', room: 'fleet', event: 'status', data: {}, id: 'n5' });
    expect((await errorFor(node, 'n5')).code).toBe('forbidden');
    node.close();
  });

  it('viewers may subscribe to the fleet room and node rooms', async () => {
    const created = await fetch(`${stack.auth.url}/v1/users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await stack.adminToken()}`, 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'watcher', password: 'watcher-password-1', role: 'viewer' }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: number };
    const viewer = await open(stack.tokens.sign({ sub: `user:${id}`, role: 'viewer' }));
    viewer.send({ type: 'subscribe', room: 'fleet', id: 'v1' });
    expect(await viewer.next((frame) => frame.type === 'subscribed')).toMatchObject({ room: 'fleet', recovered: true, id: 'v1' });
    viewer.close();
  });

  it('a command result whose output nests deeper than 64 levels → error bad_request (JSON.stringify would overflow)', async () => {
    // Found by the hostile-input fuzz (test/fuzz/gateway-frames.test.ts): this was an internal_error.
    const node = await open(stack.nodeToken(7));
    const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
    const result = (depth: number, id: string) =>
      `{"type":"publish","room":"node:7","event":"command.result","data":{"command_id":"c","ok":true,"output":${nested(depth)}},"id":"${id}"}`;
    node.sendRaw(result(20_000, 'deep'));
    expect(await errorFor(node, 'deep')).toMatchObject({ code: 'bad_request', message: expect.stringContaining('64 levels') });
    node.sendRaw(result(64, 'fits'));
    await node.next((frame) => frame.type === 'published' && (frame as { id?: string }).id === 'fits');
    node.close();
  });

  it('an oversized frame closes the connection with 4000', async () => {
    const socket = await open(await stack.adminToken());
    socket.send({ type: 'ping', id: 'x'.repeat(70 * 1024) });
    expect((await socket.closed).code).toBe(4000);
  });

  it('binary frames close the connection with 4000', async () => {
    const socket = await open(await stack.adminToken());
    socket.sendRaw(Buffer.from([1, 2, 3]));
    expect((await socket.closed).code).toBe(4000);
  });

  it('a flood of frames closes the connection with 4008', async () => {
    const socket = await open(await stack.adminToken());
    for (let i = 0; i < 400; i += 1) socket.send({ type: 'ping' });
    expect((await socket.closed).code).toBe(4008);
  });

  it('repeated abuse (many bad frames) closes the connection with 4000', async () => {
    const socket = await open(await stack.adminToken());
    for (let i = 0; i < 30; i += 1) socket.sendRaw('nope');
    expect((await socket.closed).code).toBe(4000);
  });
});
