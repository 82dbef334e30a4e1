import { liveChannel, shardOf } from '@wirefleet/shared/bus';
import type { EventFrame } from '@wirefleet/shared/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRealtimeStack, type RealtimeStack } from '../../../test/support/realtime-stack.js';
import { connect, type TestSocket } from '../../../test/support/ws-client.js';

const status = (revision: number) => ({
  applied_revision: revision,
  peers: [],
  state_digest: `d${revision}`,
  drift: false,
});
const isEvent = (room: string) => (frame: { type: string; room?: string }) =>
  frame.type === 'event' && frame.room === room;

// Every case runs with events sent at once and with write coalescing holding every event
// (GATEWAY_WRITE_DELAY_MS at any rate): held events must keep order, reach joining connections
// exactly once and survive replays.
describe.each([0, 20])(
  'rooms across two gateway instances (real Redis, write delay %d ms)',
  (writeDelayMs) => {
    let stack: RealtimeStack;
    let a: string;
    let b: string;
    beforeAll(async () => {
      stack = await startRealtimeStack({
        instances: 2,
        gatewayEnv: { GATEWAY_WRITE_DELAY_MS: String(writeDelayMs), GATEWAY_WRITE_DELAY_ABOVE_RATE: '0' },
      });
      a = stack.gateways[0]!.url;
      b = stack.gateways[1]!.url;
    });
    afterAll(async () => {
      await stack.close();
    });

    async function subscribed(
      socket: TestSocket,
      room: string,
      since?: string,
      id = `s-${room}-${Math.random()}`,
    ) {
      socket.send({ type: 'subscribe', room, ...(since ? { since } : {}), id });
      return socket.next<{ type: 'subscribed'; offset: string; recovered: boolean; room: string }>(
        (frame) => frame.type === 'subscribed' && (frame as { id?: string }).id === id,
      );
    }

    async function publishStatus(node: TestSocket, nodeId: number, revision: number) {
      const id = `p${revision}-${Math.random()}`;
      node.send({ type: 'publish', room: `node:${nodeId}`, event: 'status', data: status(revision), id });
      return node.next<{ type: 'published'; offset: string }>(
        (frame) => (frame as { id?: string }).id === id,
      );
    }

    it('published on instance A is delivered on instance B, in order, with increasing offsets', async () => {
      const node = await connect(a, stack.nodeToken(11));
      await node.next((frame) => frame.type === 'welcome');
      const viewer = await connect(b, await stack.adminToken());
      await subscribed(viewer, 'node:11');
      for (let revision = 1; revision <= 20; revision += 1) await publishStatus(node, 11, revision);
      const events: EventFrame[] = [];
      await expect.poll(() => viewer.frames.filter(isEvent('node:11')).length).toBe(20);
      for (const frame of viewer.frames.filter(isEvent('node:11'))) events.push(frame as EventFrame);
      expect(events.map((event) => (event.data as { applied_revision: number }).applied_revision)).toEqual(
        Array.from({ length: 20 }, (_, i) => i + 1),
      );
      const seqs = events.map((event) => Number(event.offset.split('-')[1]));
      expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
      expect(new Set(seqs).size).toBe(20);
      expect(events[0]).toMatchObject({
        type: 'event',
        room: 'node:11',
        event: 'status',
        ts: expect.any(Number),
      });
      node.close();
      viewer.close();
    });

    it('a client that reconnects with `since` gets exactly the missed events, then live ones', async () => {
      const node = await connect(a, stack.nodeToken(12));
      await node.next((frame) => frame.type === 'welcome');
      const first = await connect(b, await stack.adminToken());
      await subscribed(first, 'node:12');
      await publishStatus(node, 12, 1);
      const seen = await first.next<EventFrame>(isEvent('node:12'));
      first.close();
      await first.closed;
      for (let revision = 2; revision <= 4; revision += 1) await publishStatus(node, 12, revision);

      const again = await connect(a, await stack.adminToken());
      const ack = await subscribed(again, 'node:12', seen.offset);
      expect(ack.recovered).toBe(true);
      await publishStatus(node, 12, 5);
      await expect.poll(() => again.frames.filter(isEvent('node:12')).length).toBe(4);
      const revisions = again.frames
        .filter(isEvent('node:12'))
        .map((f) => ((f as EventFrame).data as { applied_revision: number }).applied_revision);
      expect(revisions).toEqual([2, 3, 4, 5]);
      // The acknowledgement precedes the replay.
      expect(again.frames.findIndex((f) => f.type === 'subscribed')).toBeLessThan(
        again.frames.findIndex(isEvent('node:12')),
      );
      node.close();
      again.close();
    });

    it('recovered:false when history no longer reaches back, and after Redis lost the room', async () => {
      const viewer = await connect(b, await stack.adminToken());
      const ack = await subscribed(viewer, 'node:13', '1-1');
      expect(ack.recovered).toBe(false);
      const node = await connect(a, stack.nodeToken(13));
      await node.next((frame) => frame.type === 'welcome');
      const published = await publishStatus(node, 13, 1);
      // Simulate FLUSHALL for this test's keys only (the Redis server is shared).
      const keys = await stack.auth.redis!.client.keys(`${stack.auth.redis!.prefix}*node:13*`);
      expect(keys.length).toBeGreaterThan(0);
      await stack.auth.redis!.client.del(...keys);
      const late = await connect(a, await stack.adminToken());
      const afterReset = await subscribed(late, 'node:13', published.offset);
      expect(afterReset.recovered).toBe(false);
      node.close();
      viewer.close();
      late.close();
    });

    it('a node connecting to B while connected to A: the A connection closes with 4010', async () => {
      const first = await connect(a, stack.nodeToken(14));
      await first.next((frame) => frame.type === 'welcome');
      const second = await connect(b, stack.nodeToken(14));
      await second.next((frame) => frame.type === 'welcome');
      const closed = await first.closed;
      expect(closed.code).toBe(4010);
      expect(second.ws.readyState).toBe(second.ws.OPEN);
      second.close();
    });

    it('unsubscribing stops delivery; the shard channel stays for the next join', async () => {
      const node = await connect(a, stack.nodeToken(15));
      await node.next((frame) => frame.type === 'welcome');
      const viewer = await connect(b, await stack.adminToken());
      await subscribed(viewer, 'node:15');
      const channel = liveChannel(stack.auth.redis!.prefix, shardOf('node:15'));
      const listeners = async () => {
        const counts = (await stack.auth.redis!.client.pubsub('NUMSUB', channel)) as Array<string | number>;
        return Number(counts[1]);
      };
      expect(await listeners()).toBe(2); // instance A (the node's own room) and B (the viewer)
      viewer.send({ type: 'unsubscribe', room: 'node:15', id: 'u1' });
      await viewer.next((frame) => frame.type === 'unsubscribed');
      await publishStatus(node, 15, 1);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(viewer.frames.filter(isEvent('node:15'))).toHaveLength(0);
      // Redis does not hear about rooms coming and going: both instances keep the shard's channel.
      expect(await listeners()).toBe(2);
      node.close();
      viewer.close();
    });

    it("a connection's own room reaches every connection of that subject once, and replays with `since`", async () => {
      const bus = stack.auth.api.context.bus;
      const token = await stack.adminToken();
      const sub = (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { sub: string })
        .sub;
      const first = await connect(a, token);
      const second = await connect(a, token);
      const elsewhere = await connect(b, token);
      const welcomes = await Promise.all(
        [first, second, elsewhere].map((s) => s.next<{ rooms: string[] }>((f) => f.type === 'welcome')),
      );
      expect(welcomes.every((w) => w.rooms.includes(sub))).toBe(true);
      // Own rooms are delivered by direct sends: uWS keeps no topic for them.
      expect(stack.gateways[0]!.gateway.numSubscribers(sub)).toBe(0);
      const one = await bus.publish(sub, 'notice', { n: 1 });
      for (const socket of [first, second, elsewhere]) {
        await expect.poll(() => socket.frames.filter(isEvent(sub)).length).toBe(1);
      }
      // Asking for a replay of the own room: exactly the missed events, then live ones, no duplicates.
      await bus.publish(sub, 'notice', { n: 2 });
      await expect.poll(() => first.frames.filter(isEvent(sub)).length).toBe(2);
      const ack = await subscribed(first, sub, one.offset);
      expect(ack.recovered).toBe(true);
      await bus.publish(sub, 'notice', { n: 3 });
      await expect.poll(() => second.frames.filter(isEvent(sub)).length).toBe(3);
      await expect.poll(() => first.frames.filter(isEvent(sub)).length).toBe(4);
      expect(
        first.frames.filter(isEvent(sub)).map((f) => ((f as EventFrame).data as { n: number }).n),
      ).toEqual([1, 2, 2, 3]);
      // Leaving and closing: the last local member drops the instance's channel for the room.
      second.close();
      await second.closed;
      first.send({ type: 'unsubscribe', room: sub, id: 'leave-own' });
      await first.next((frame) => frame.type === 'unsubscribed');
      await bus.publish(sub, 'notice', { n: 4 });
      await expect.poll(() => elsewhere.frames.filter(isEvent(sub)).length).toBe(4);
      expect(first.frames.filter(isEvent(sub))).toHaveLength(4);
      first.close();
      elsewhere.close();
    });
  },
);
