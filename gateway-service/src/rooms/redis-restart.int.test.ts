import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../start.js';
import { startTestAuthApi, type TestAuthApi, TEST_ISSUER } from '../../../test/support/auth-api.js';
import { createTokenFactory, type TokenFactory } from '../../../test/support/forged-tokens.js';
import { startTestGateway } from '../../../test/support/gateway.js';
import { startPrivateRedis, type PrivateRedis } from '../../../test/support/redis-server.js';
import { connect } from '../../../test/support/ws-client.js';

describe('Redis stops and starts again under a running gateway', () => {
  let auth: TestAuthApi;
  let redis: PrivateRedis;
  let gateway: RunningGateway;
  let tokens: TokenFactory;
  let base: string;
  beforeAll(async () => {
    auth = await startTestAuthApi({ redis: false });
    redis = await startPrivateRedis();
    gateway = await startTestGateway({ authUrl: auth.url, issuer: TEST_ISSUER, redisUrl: redis.url, redisPrefix: 'wf:', env: { GATEWAY_NODE_LEASE_SECONDS: '3' } });
    tokens = createTokenFactory({ issuer: TEST_ISSUER, key: auth.api.context.keyring.signingKey() });
    base = gateway.url.replace('ws://', 'http://').replace('/ws', '');
  });
  afterAll(async () => {
    await gateway.close();
    await redis.stop();
    await auth.close();
  });

  it('/readyz is 503 while Redis is down, the gateway stays up, and delivery resumes afterwards', async () => {
    const node = await connect(gateway.url, tokens.sign({ sub: 'node:5', role: 'node' }));
    await node.next((frame) => frame.type === 'welcome');
    const viewer = await connect(gateway.url, tokens.sign({ sub: 'user:1', role: 'viewer' }));
    viewer.send({ type: 'subscribe', room: 'node:5', id: 's' });
    await viewer.next((frame) => frame.type === 'subscribed');
    expect((await fetch(`${base}/readyz`)).status).toBe(200);

    await redis.stop();
    await expect.poll(async () => (await fetch(`${base}/readyz`)).status, { timeout: 10_000 }).toBe(503);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    // A connection that cannot be joined to its own room is told to come back later (1011), never
    // left without the `welcome` that means "live in your room".
    const during = await connect(gateway.url, tokens.sign({ sub: 'user:2', role: 'viewer' }));
    const refused = await during.closed;
    expect(refused.code).toBe(1011);
    expect(during.frames.some((frame) => frame.type === 'welcome')).toBe(false);

    await redis.start();
    await expect.poll(async () => (await fetch(`${base}/readyz`)).status, { timeout: 15_000 }).toBe(200);
    // Redis came back empty: the room's history is gone, so every connection in it is told so
    // (unsolicited `subscribed … recovered:false`, no id) instead of being left with a gap.
    const gapNotice = (frame: Record<string, unknown>) =>
      frame.type === 'subscribed' && frame.room === 'node:5' && frame.recovered === false && frame.id === undefined;
    await viewer.next(gapNotice);
    await node.next(gapNotice);
    // Its lease key is gone with the rest of Redis; renewals (every second here) take it again
    // instead of reading the empty key as "replaced" and closing the node with 4010.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(node.ws.readyState).toBe(node.ws.OPEN);
    const status = { applied_revision: 7, peers: [], state_digest: 'd', drift: false };
    // The room subscription comes back by itself; publish until the viewer sees it.
    await expect
      .poll(
        async () => {
          node.send({ type: 'publish', room: 'node:5', event: 'status', data: status });
          await new Promise((resolve) => setTimeout(resolve, 200));
          return viewer.frames.some((frame) => frame.type === 'event' && frame.room === 'node:5');
        },
        { timeout: 15_000, interval: 300 },
      )
      .toBe(true);
    expect(viewer.ws.readyState).toBe(viewer.ws.OPEN);
    node.close();
    viewer.close();
  });
});
