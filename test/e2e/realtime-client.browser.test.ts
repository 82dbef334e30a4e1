import { isNewerOffset } from '@wirefleet/shared/client';
import type { EventFrame } from '@wirefleet/shared/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  chromiumSkipReason,
  launchChromium,
  recordWebSockets,
  type TestBrowser,
  type WireSocket,
} from '../support/browser.js';
import {
  type ClientPage,
  type ClientPageServer,
  type ClientRecord,
  openClientPage,
  startClientPageServer,
} from '../support/client-page.js';
import { type RealtimeStack, startRealtimeStack } from '../support/realtime-stack.js';
import { connect, type TestSocket } from '../support/ws-client.js';

const skip = chromiumSkipReason();
/** Reconnects here should take tens of milliseconds, not the default seconds. */
const BACKOFF = { initialMs: 50, maxMs: 400, jitter: 0.1 };

type Frame = { type?: string; room?: string; since?: string; recovered?: boolean };
const revisions = (record: ClientRecord) =>
  record.events.map((event) => (event.data as { applied_revision: number }).applied_revision);

/** One line of what the page's client reported, for failure messages. */
function summary(record: ClientRecord): string {
  return JSON.stringify({
    state: record.state,
    states: record.states,
    opens: record.opens,
    welcomes: record.welcomes.length,
    revisions: revisions(record),
    closes: record.closes.map((close) => `${close.code} ${close.reason}`),
    errors: record.errors.map((error) => `${error.code}: ${error.message}`),
  });
}

/** Polls until `check` holds; a timeout names what was awaited and shows `show()`. */
async function waitFor<T>(
  what: string,
  read: () => Promise<T> | T,
  check: (value: T) => boolean,
  show: (value: T) => string,
): Promise<T> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; so far: ${show(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const untilClient = (client: ClientPage, what: string, check: (record: ClientRecord) => boolean) =>
  waitFor(`the client in Chromium: ${what}`, () => client.record(), check, summary);

const showWire = (sockets: WireSocket[]) =>
  JSON.stringify(
    sockets.map((socket) => ({
      status: socket.status,
      sent: socket.sent,
      received: socket.received,
      errors: socket.errors,
    })),
  );

/** Waits until socket number `index` was answered `subscribed` for `room`; returns that socket. */
async function untilSubscribed(wire: () => WireSocket[], index: number, room: string): Promise<WireSocket> {
  const sockets = await waitFor(
    `socket #${index + 1} to be subscribed to ${room}`,
    wire,
    (sockets) =>
      sockets[index]?.received.some(
        (frame) => (frame as Frame).type === 'subscribed' && (frame as Frame).room === room,
      ) ?? false,
    showWire,
  );
  return sockets[index]!;
}

const subscribeFrames = (socket: WireSocket, room: string) =>
  socket.sent.filter(
    (frame) => (frame as Frame).type === 'subscribe' && (frame as Frame).room === room,
  ) as Frame[];

/** The page's token provider, answered here with fresh admin tokens; `hold()` delays the next answers. */
function tokenSource(stack: RealtimeStack) {
  const requests: Array<{ forceRefresh: boolean }> = [];
  const issued: string[] = [];
  let gate: Promise<void> | undefined;
  return {
    requests,
    issued,
    provide: async (request: { forceRefresh: boolean }) => {
      requests.push(request);
      await gate;
      const token = await stack.adminToken();
      issued.push(token);
      return token;
    },
    /** Until the returned function is called, the client cannot reconnect: it waits for a token. */
    hold(): () => void {
      let release!: () => void;
      gate = new Promise((resolve) => {
        release = resolve;
      });
      return () => {
        gate = undefined;
        release();
      };
    },
  };
}

/** A node agent's connection (from Node, no Origin) that publishes `status` events to its own room. */
async function nodePublisher(stack: RealtimeStack, nodeId: number) {
  const socket: TestSocket = await connect(stack.gateways[0]!.url, stack.nodeToken(nodeId));
  await socket.next((frame) => frame.type === 'welcome');
  let sequence = 0;
  return {
    socket,
    /** Publishes status `revision`; resolves with the offset the gateway assigned. */
    async publish(revision: number): Promise<string> {
      const id = `p${++sequence}`;
      socket.send({
        type: 'publish',
        room: `node:${nodeId}`,
        event: 'status',
        data: { applied_revision: revision, peers: [], state_digest: `d${revision}`, drift: false },
        id,
      });
      const reply = await socket.next<{ offset: string }>(
        (frame) => (frame as { id?: string }).id === id && frame.type === 'published',
      );
      return reply.offset;
    },
  };
}

/**
 * The shared RealtimeClient bundled for the browser and run in Debian's Chromium against a real
 * gateway and auth-api: the browser's own WebSocket, its handshake rules and its Origin header.
 */
describe.skipIf(skip !== undefined)(
  `the realtime client in Chromium${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    let allowed: ClientPageServer;
    let foreign: ClientPageServer;
    let stack: RealtimeStack;
    let browser: TestBrowser;
    let gatewayUrl: string;

    beforeAll(async () => {
      // The page servers come first: the gateway's ALLOWED_ORIGINS must name the allowed one's port.
      [allowed, foreign] = await Promise.all([startClientPageServer(), startClientPageServer()]);
      [stack, browser] = await Promise.all([
        startRealtimeStack({ instances: 1, gatewayEnv: { ALLOWED_ORIGINS: allowed.origin } }),
        launchChromium(),
      ]);
      gatewayUrl = stack.gateways[0]!.url;
    });

    afterAll(async () => {
      await browser?.close();
      await stack?.close();
      await allowed?.close();
      await foreign?.close();
    });

    it('connects with `bearer, <jwt>`, gets welcome, subscribes to a node room and receives its events', async () => {
      const tokens = tokenSource(stack);
      const client = await openClientPage(browser.context, allowed, tokens.provide);
      const wire = await recordWebSockets(browser.context, client.page);
      const node = await nodePublisher(stack, 31);
      await client.start({ url: gatewayUrl, room: 'node:31', backoff: BACKOFF });

      const record = await untilClient(client, 'welcome', (r) => r.welcomes.length === 1);
      expect(record.welcomes[0]!.sub, 'welcome names the admin user').toMatch(/^user:\d+$/);
      const socket = await untilSubscribed(wire, 0, 'node:31');
      // Chromium fails a handshake whose answer lacks an offered subprotocol, so this open also
      // proves the gateway picked `bearer`; the headers show it on the wire.
      expect(socket.requestHeaders['sec-websocket-protocol'], 'offered subprotocols').toBe(
        `bearer, ${tokens.issued[0]}`,
      );
      expect(socket.requestHeaders.origin, 'Origin sent by Chromium').toBe(allowed.origin);
      expect(socket.status, 'handshake status').toBe(101);
      expect(socket.responseHeaders['sec-websocket-protocol'], 'subprotocol chosen by the gateway').toBe(
        'bearer',
      );
      expect(subscribeFrames(socket, 'node:31'), 'a first subscribe carries no `since`').toEqual([
        expect.not.objectContaining({ since: expect.anything() }),
      ]);

      const offsets: string[] = [];
      for (let revision = 1; revision <= 3; revision += 1) offsets.push(await node.publish(revision));
      const got = await untilClient(client, 'three events', (r) => r.events.length >= 3);
      expect(revisions(got), 'revisions delivered in order').toEqual([1, 2, 3]);
      expect(
        got.events.map((event) => event.offset),
        'offsets as the gateway assigned them',
      ).toEqual(offsets);
      for (const [i, event] of got.events.entries()) {
        expect(event, `event #${i + 1}`).toMatchObject({
          type: 'event',
          room: 'node:31',
          event: 'status',
          ts: expect.any(Number),
        });
        if (i > 0)
          expect(
            isNewerOffset(event.offset, got.events[i - 1]!.offset),
            `offset ${event.offset} after ${got.events[i - 1]!.offset}`,
          ).toBe(true);
      }
      expect(got.errors, 'errors reported by the client').toEqual([]);
      await client.stop();
      expect((await client.record()).state).toBe('stopped');
      node.socket.close();
      await client.page.close();
    });

    it('after the gateway drops it (1006) or closes it with 4001, it reconnects and resubscribes with `since`: no gap, no duplicate', async () => {
      const room = 'node:32';
      const tokens = tokenSource(stack);
      const client = await openClientPage(browser.context, allowed, tokens.provide);
      const wire = await recordWebSockets(browser.context, client.page);
      const node = await nodePublisher(stack, 32);
      await client.start({ url: gatewayUrl, room, backoff: BACKOFF });
      await untilSubscribed(wire, 0, room);
      const offsets = [await node.publish(1)];
      await untilClient(client, 'revision 1', (r) => r.events.length === 1);
      const registry = stack.gateways[0]!.gateway.registry;
      const connectionOf = async () => {
        const welcome = (await client.record()).welcomes.at(-1)!;
        return [...registry.values()].find((connection) => connection.id === welcome.conn_id)!;
      };

      // Each drop: hold the token provider so the client stays disconnected, publish while it is,
      // then let it reconnect; the missed events must arrive through the `since` replay.
      const drops: Array<{ name: string; code: number; drop: () => Promise<void> }> = [
        {
          // uWS's close() ends the socket without a close frame, as a network failure would.
          name: 'abrupt drop',
          code: 1006,
          drop: async () => (await connectionOf()).ws!.close(),
        },
        {
          // A logout: the gateway closes the session's sockets with 4001 (token expired).
          name: 'session revoked',
          code: 4001,
          drop: async () => {
            const connection = await connectionOf();
            await stack.auth.api.context.bus.publish(connection.sub, 'session.revoked', {
              sid: connection.sid,
            });
          },
        },
      ];
      for (const [i, { name, code, drop }] of drops.entries()) {
        const release = tokens.hold();
        const requestsBefore = tokens.requests.length;
        await drop();
        const closed = await untilClient(
          client,
          `${name}: close ${code} and a token request`,
          (r) => r.closes.length === i + 1 && tokens.requests.length > requestsBefore,
        );
        expect(closed.closes[i], `${name}: close seen by the client`).toMatchObject({
          code,
          terminal: false,
        });
        expect(tokens.requests.at(-1), `${name}: token request`).toEqual({ forceRefresh: code === 4001 });
        for (let n = 0; n < 2; n += 1) offsets.push(await node.publish(offsets.length + 1));
        release();
        const socket = await untilSubscribed(wire, i + 1, room);
        expect(subscribeFrames(socket, room), `${name}: resubscribed with since = last offset seen`).toEqual([
          expect.objectContaining({ since: offsets[offsets.length - 3] }),
        ]);
        expect(
          socket.received.find((frame) => (frame as Frame).type === 'subscribed'),
          `${name}: replay possible`,
        ).toMatchObject({ recovered: true });
        expect(
          socket.requestHeaders['sec-websocket-protocol'],
          `${name}: offers the token the provider just returned`,
        ).toBe(`bearer, ${tokens.issued.at(-1)}`);
        await untilClient(client, `${name}: the missed events`, (r) => r.events.length === offsets.length);
      }
      offsets.push(await node.publish(offsets.length + 1));
      const record = await untilClient(
        client,
        'a live event after the reconnects',
        (r) => r.events.length >= offsets.length,
      );
      // Settle briefly: a duplicate from the replay/live overlap would arrive right behind.
      await new Promise((resolve) => setTimeout(resolve, 100));
      const final = await client.record();
      expect(revisions(final), `every revision exactly once, in order (${summary(record)})`).toEqual([
        1, 2, 3, 4, 5, 6,
      ]);
      expect(final.events.map((event: EventFrame) => event.offset)).toEqual(offsets);
      expect(final.welcomes.length, 'one welcome per connection').toBe(3);
      await client.stop();
      node.socket.close();
      await client.page.close();
    });

    it('from an origin not in ALLOWED_ORIGINS the upgrade is refused: the client reports it and never gets welcome', async () => {
      const tokens = tokenSource(stack);
      const client = await openClientPage(browser.context, foreign, tokens.provide);
      const wire = await recordWebSockets(browser.context, client.page);
      await client.start({ url: gatewayUrl, room: 'node:33', backoff: BACKOFF });

      // The browser hides the 403 from scripts: the client sees an error and close 1006 and retries.
      const record = await untilClient(client, 'two failed attempts', (r) => r.closes.length >= 2);
      expect(record.welcomes, 'welcomes').toEqual([]);
      expect(record.opens, 'opened sockets').toBe(0);
      expect(record.errors[0], 'first error reported').toMatchObject({ code: 'transport' });
      expect(record.closes[0], 'first close reported').toMatchObject({
        code: 1006,
        terminal: false,
        reconnectInMs: expect.any(Number),
      });
      const [socket] = wire();
      expect(socket?.requestHeaders.origin, 'Origin sent by Chromium').toBe(foreign.origin);
      // Chromium reports a refused upgrade as a socket error, not as a handshake response.
      expect(socket?.errors, `handshake failure (${showWire(wire())})`).toEqual([
        expect.stringMatching(/Unexpected response code: 403/),
      ]);
      await client.stop();
      expect((await client.record()).state).toBe('stopped');
      await client.page.close();
    });
  },
);
