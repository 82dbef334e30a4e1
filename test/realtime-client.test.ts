import { RealtimeClient } from '@wirefleet/shared/client';
import type { EventFrame } from '@wirefleet/shared/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startRealtimeStack, type RealtimeStack } from './support/realtime-stack.js';

describe('the shared client library against real gateways', () => {
  let stack: RealtimeStack;
  beforeAll(async () => {
    stack = await startRealtimeStack({ instances: 2 });
  });
  afterAll(async () => {
    await stack.close();
  });

  it('a node client recovers the events of its own room that it missed while disconnected', async () => {
    const received: EventFrame[] = [];
    const client = new RealtimeClient({
      url: stack.gateways[0]!.url,
      token: async () => stack.nodeToken(21),
      WebSocketImpl: WebSocket,
      backoff: { initialMs: 50, maxMs: 200, jitter: 0.1 },
    });
    client.subscribe('node:21', (event) => received.push(event));
    client.start();
    const bus = stack.auth.api.context.bus;
    await expect.poll(() => stack.gateways[0]!.gateway.registry.ofSubject('node:21').length).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await bus.publish('node:21', 'config.changed', { revision: 1 });
    await expect.poll(() => received.length).toBe(1);

    // Cut the connection without a close frame, as a network failure would.
    stack.gateways[0]!.gateway.registry.ofSubject('node:21')[0]!.ws!.close();
    await bus.publish('node:21', 'config.changed', { revision: 2 });
    await bus.publish('node:21', 'config.changed', { revision: 3 });
    await expect.poll(() => received.length, { timeout: 5_000 }).toBe(3);
    await bus.publish('node:21', 'config.changed', { revision: 4 });
    await expect.poll(() => received.length).toBe(4);
    expect(received.map((event) => (event.data as { revision: number }).revision)).toEqual([1, 2, 3, 4]);
    await client.stop();
  });

  it('a viewer client resubscribes on another path after its token was revoked (4001 → new token)', async () => {
    let tokensIssued = 0;
    const client = new RealtimeClient({
      url: stack.gateways[1]!.url,
      token: async () => {
        tokensIssued += 1;
        return stack.adminToken();
      },
      WebSocketImpl: WebSocket,
      backoff: { initialMs: 50, maxMs: 200, jitter: 0.1 },
    });
    const fleet: EventFrame[] = [];
    client.subscribe('fleet', (event) => fleet.push(event));
    client.start();
    await expect.poll(() => stack.gateways[1]!.gateway.registry.size).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const [connection] = [...stack.gateways[1]!.gateway.registry.values()];
    // The gateway closes the session's sockets with 4001 when the auth-api announces a logout.
    await stack.auth.api.context.bus.publish(`user:1`, 'session.revoked', { sid: connection!.sid });
    await expect.poll(() => tokensIssued, { timeout: 5_000 }).toBeGreaterThanOrEqual(2);
    await expect.poll(() => client.state, { timeout: 5_000 }).toBe('open');
    await new Promise((resolve) => setTimeout(resolve, 300));
    await stack.auth.api.context.bus.publish('fleet', 'node.online', { node_id: 1 });
    await expect.poll(() => fleet.length).toBe(1);
    await client.stop();
  });
});
