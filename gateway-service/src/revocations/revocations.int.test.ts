import { randomUUID } from 'node:crypto';
import type { RunningGateway } from '@wirefleet/gateway-service';
import type { ServerFrame } from '@wirefleet/shared/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, call, login, TEST_ISSUER } from '../../../test/support/auth-api.js';
import { createEnrollmentKey, enrollNode, nodeToken } from '../../../test/support/fleet.js';
import { startTestGateway } from '../../../test/support/gateway.js';
import { startRealtimeStack, type RealtimeStack } from '../../../test/support/realtime-stack.js';
import { connect, type TestSocket, upgradeStatus } from '../../../test/support/ws-client.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { sid: string; sub: string };

describe('revoked tokens at the gateway upgrade and in refresh frames (two instances)', () => {
  let stack: RealtimeStack;
  let admin: string;
  /** Every token revoked by a test below: a gateway started at the end must refuse them all. */
  const revoked: string[] = [];

  beforeAll(async () => {
    stack = await startRealtimeStack({ instances: 2, authEnv: { REFRESH_REUSE_GRACE_SECONDS: '0' } });
    admin = await stack.adminToken();
  });
  afterAll(async () => {
    await stack?.close();
  });

  async function opensEverywhere(token: string): Promise<void> {
    for (const gateway of stack.gateways) expect(await upgradeStatus(gateway.url, token)).toBe(101);
  }

  /** Polls each instance until it answers 401; all of them must within 1 s of `since`. */
  async function refusedEverywhereWithin1s(token: string, since: number, gateways: RunningGateway[] = stack.gateways): Promise<void> {
    for (const gateway of gateways) {
      let status = await upgradeStatus(gateway.url, token);
      while (status !== 401 && Date.now() - since < 1000) {
        await sleep(20);
        status = await upgradeStatus(gateway.url, token);
      }
      expect(status).toBe(401);
    }
    expect(Date.now() - since).toBeLessThan(1000);
    revoked.push(token);
  }

  /** A connection of `sub` whose token no revocation below touches (another session, issued later). */
  async function observer(sub: string, role: string, gateway = 0): Promise<TestSocket> {
    const now = Math.floor(Date.now() / 1000);
    const token = stack.tokens.sign({ sub, role: role as 'admin', sid: randomUUID(), iat: now + 25, nbf: now - 1, exp: now + 600 });
    const socket = await connect(stack.gateways[gateway]!.url, token);
    await socket.next((frame) => frame.type === 'welcome');
    return socket;
  }

  /** `refresh` with a revoked token: error `unauthorized`, and the connection keeps its session. */
  async function refreshRefused(socket: TestSocket, token: string, gateway = 0): Promise<void> {
    const id = `r-${randomUUID()}`;
    const before = stack.gateways[gateway]!.gateway.registry.ofSubject(claimsOf(token).sub).map((c) => c.sid);
    socket.send({ type: 'refresh', token, id });
    const answer = await socket.next<ServerFrame & { code?: string }>((frame) => (frame as { id?: string }).id === id);
    expect(answer).toMatchObject({ type: 'error', code: 'unauthorized' });
    expect(socket.ws.readyState).toBe(socket.ws.OPEN);
    expect(stack.gateways[gateway]!.gateway.registry.ofSubject(claimsOf(token).sub).map((c) => c.sid)).toEqual(before);
  }

  async function createUser(role: 'viewer' | 'operator' | 'admin'): Promise<{ id: number; username: string }> {
    const username = `u${randomUUID().slice(0, 8)}`;
    const created = await call<{ id: number }>(stack.auth.url, 'POST', '/v1/users', { token: admin, body: { username, password: ADMIN_PASSWORD, role } });
    expect(created.status).toBe(201);
    return { id: Number(created.body.id), username };
  }

  it('logout: the session token is refused on both instances within 1 s and in refresh', async () => {
    const pair = await login(stack.auth.url);
    const other = await login(stack.auth.url);
    const watcher = await connect(stack.gateways[1]!.url, other.access_token);
    await watcher.next((frame) => frame.type === 'welcome');
    await opensEverywhere(pair.access_token);
    const started = Date.now();
    expect((await call(stack.auth.url, 'POST', '/v1/auth/logout', { token: pair.access_token, body: {} })).status).toBe(204);
    await refusedEverywhereWithin1s(pair.access_token, started);
    await refreshRefused(watcher, pair.access_token, 1);
    watcher.close();
  });

  it('refresh-token reuse: every access token of the family is refused on both instances and in refresh', async () => {
    const first = await login(stack.auth.url);
    const rotated = await call<{ access_token: string }>(stack.auth.url, 'POST', '/v1/auth/refresh', { body: { refresh_token: first.refresh_token } });
    expect(rotated.status).toBe(200);
    const watcher = await observer(claimsOf(first.access_token).sub, 'admin');
    await opensEverywhere(rotated.body.access_token);
    await sleep(50);
    const started = Date.now();
    const reused = await call<{ code: string }>(stack.auth.url, 'POST', '/v1/auth/refresh', { body: { refresh_token: first.refresh_token } });
    expect(reused.body.code).toBe('token_reused');
    await refusedEverywhereWithin1s(rotated.body.access_token, started);
    await refusedEverywhereWithin1s(first.access_token, started);
    await refreshRefused(watcher, rotated.body.access_token);
    watcher.close();
  });

  it('a disabled user: older tokens refused on both instances within 1 s and in refresh', async () => {
    const user = await createUser('operator');
    const token = (await login(stack.auth.url, user.username, ADMIN_PASSWORD)).access_token;
    const watcher = await observer(`user:${user.id}`, 'operator', 1);
    await opensEverywhere(token);
    const started = Date.now();
    expect((await call(stack.auth.url, 'PATCH', `/v1/users/${user.id}`, { token: admin, body: { disabled: true } })).status).toBe(200);
    await refusedEverywhereWithin1s(token, started);
    await refreshRefused(watcher, token, 1);
    watcher.close();
  });

  it('a deleted user: older tokens refused on both instances within 1 s and in refresh', async () => {
    const user = await createUser('viewer');
    const token = (await login(stack.auth.url, user.username, ADMIN_PASSWORD)).access_token;
    const watcher = await observer(`user:${user.id}`, 'viewer');
    await opensEverywhere(token);
    const started = Date.now();
    expect((await call(stack.auth.url, 'DELETE', `/v1/users/${user.id}`, { token: admin })).status).toBe(204);
    await refusedEverywhereWithin1s(token, started);
    await refreshRefused(watcher, token);
    watcher.close();
  });

  it('a role change: tokens with the old role refused everywhere and in refresh; a new token carries the new role, and the connection takes it', async () => {
    const user = await createUser('viewer');
    const token = (await login(stack.auth.url, user.username, ADMIN_PASSWORD)).access_token;
    const watcher = await observer(`user:${user.id}`, 'viewer');
    const open = await connect(stack.gateways[1]!.url, token);
    await open.next((frame) => frame.type === 'welcome');
    const started = Date.now();
    expect((await call(stack.auth.url, 'PATCH', `/v1/users/${user.id}`, { token: admin, body: { role: 'operator' } })).status).toBe(200);
    await refusedEverywhereWithin1s(token, started);
    expect((await open.closed).code).toBe(4001);
    await refreshRefused(watcher, token);

    const fresh = (await login(stack.auth.url, user.username, ADMIN_PASSWORD)).access_token;
    await opensEverywhere(fresh);
    const registry = stack.gateways[0]!.gateway.registry;
    expect(registry.ofSubject(`user:${user.id}`).map((c) => c.role)).toEqual(['viewer']);
    watcher.send({ type: 'refresh', token: fresh, id: 'new-role' });
    expect(await watcher.next((frame) => (frame as { id?: string }).id === 'new-role')).toMatchObject({ type: 'refreshed' });
    expect(registry.ofSubject(`user:${user.id}`).map((c) => c.role)).toEqual(['operator']);
    watcher.close();
  });

  it('a deleted node: its token is refused on both instances within 1 s, and its open connection closes with 4003', async () => {
    const key = await createEnrollmentKey(stack.auth.url, admin);
    const node = await enrollNode(stack.auth.url, key.key);
    const token = await nodeToken(stack.auth.url, node);
    const agent = await connect(stack.gateways[0]!.url, token);
    await agent.next((frame) => frame.type === 'welcome');
    const started = Date.now();
    expect((await call(stack.auth.url, 'DELETE', `/v1/nodes/${node.node_id}`, { token: admin })).status).toBe(204);
    expect((await agent.closed).code).toBe(4003);
    await refusedEverywhereWithin1s(token, started);
  });

  it('a gateway started after the revocations loads them from Redis and refuses those tokens too', async () => {
    expect(revoked.length).toBeGreaterThanOrEqual(7);
    const late = await startTestGateway({
      authUrl: stack.auth.url,
      issuer: TEST_ISSUER,
      redisUrl: stack.auth.redis!.url,
      redisPrefix: stack.auth.redis!.prefix,
      env: { GATEWAY_INSTANCE_ID: 'gw-test-late' },
    });
    try {
      expect(late.gateway.revocations.size).toBeGreaterThan(0);
      for (const token of revoked) expect(await upgradeStatus(late.url, token)).toBe(401);
      expect(await upgradeStatus(late.url, await stack.adminToken())).toBe(101);
    } finally {
      await late.close();
    }
  });
});
