import { InProcessBus } from '@wirefleet/shared/bus';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { Connection } from '../connections/connection.js';
import { RoomHub, type TopicTransport } from './room-hub.js';
import { WriteCoalescing } from './write-coalescing.js';

/** A transport that records what the hub hands to uWS. */
function recordingTransport() {
  const published: Array<{ topic: string; frame: string }> = [];
  const sent: Array<{ connection: string; frames: string[] }> = [];
  const transport: TopicTransport = {
    publish: (topic, frame) => {
      published.push({ topic, frame });
      return 1;
    },
    send: (connection, frames) => sent.push({ connection: connection.id, frames }),
    subscribe: () => undefined,
    unsubscribe: () => undefined,
  };
  return { transport, published, sent };
}

function connection(id: number): Connection {
  return {
    id: `c${id}`,
    sub: `user:${id}`,
    kind: 'user',
    subjectId: id,
    role: 'viewer',
    sid: `s${id}`,
    expiresAt: 0,
    issuedAt: 0,
    ip: '127.0.0.1',
    rooms: undefined,
    badFrames: 0,
    // Only "open or not" matters to the hub; the transport above never touches the socket.
    ws: {} as Connection['ws'],
  };
}

describe('RoomHub', () => {
  it('joins a connection to its own room at once, greeting included, on a bus that can deliver it', async () => {
    const bus = new InProcessBus({ logger: pino({ level: 'silent' }) });
    const { transport, sent } = recordingTransport();
    const hub = new RoomHub(bus, transport, pino({ level: 'silent' }), () => []);
    const joined = hub.join(connection(1), 'user:1', { greeting: 'welcome' });
    // Sent before the join's promise is even looked at: inside the caller's turn (uWS's `open`).
    expect(sent).toEqual([{ connection: 'c1', frames: ['welcome'] }]);
    expect(await joined).toEqual({ offset: '', recovered: true });
    await bus.close();
  });

  it('lets held room events wait for the coalescing timer while connections join other rooms', async () => {
    const bus = new InProcessBus({ logger: pino({ level: 'silent' }) });
    const { transport, published } = recordingTransport();
    // Every event held for a second: what a busy instance does under GATEWAY_WRITE_DELAY_MS.
    const coalescing = new WriteCoalescing({ delayMs: 1_000, aboveRate: 0 });
    const hub = new RoomHub(bus, transport, pino({ level: 'silent' }), () => [], { coalescing });
    const viewer = connection(0);
    await hub.join(viewer, 'fleet', { since: (await bus.history('fleet')).offset, acknowledge: {} });
    await bus.publish('fleet', 'node.online', { id: 1 });
    // A reconnect storm: a thousand connections join their own rooms while the event is held.
    for (let id = 1; id <= 1_000; id += 1)
      await hub.join(connection(id), `user:${id}`, { greeting: 'welcome' });
    expect(published).toEqual([]);
    hub.flush();
    expect(published.map((entry) => entry.topic)).toEqual(['fleet']);
    await bus.close();
  });
});
