import type { RealtimeClient } from '@wirefleet/shared/client';
import type { EventFrame } from '@wirefleet/shared/protocol';
import type { HttpClient } from '../api/http-client.js';
import type { Services } from '../app/services.js';
import type { Session } from '../auth/session.js';
import { FleetStore } from '../fleet/fleet-store.js';
import { LiveConnection } from '../live/live-connection.js';

/** A RealtimeClient stand-in: remembers room handlers so a test can deliver events. */
export class FakeRealtimeClient {
  readonly rooms = new Map<string, Set<(event: EventFrame) => void>>();
  state = 'idle';
  subscribe(room: string, handler: (event: EventFrame) => void): () => void {
    const handlers = this.rooms.get(room) ?? new Set();
    handlers.add(handler);
    this.rooms.set(room, handlers);
    return () => handlers.delete(handler);
  }
  on(): () => void {
    return () => undefined;
  }
  start(): void {
    this.state = 'open';
  }
  async stop(): Promise<void> {
    this.state = 'stopped';
  }
  deliver(event: EventFrame): void {
    for (const handler of this.rooms.get(event.room) ?? []) handler(event);
  }
}

/** Services over a scripted HttpClient and a fake socket; the fleet is read at once. */
export async function fakeServices(http: HttpClient): Promise<Services & { client: FakeRealtimeClient }> {
  const client = new FakeRealtimeClient();
  const live = new LiveConnection({ url: 'ws://gateway.test/ws', token: async () => 't', createClient: () => client as unknown as RealtimeClient });
  const fleet = new FleetStore(http);
  fleet.start(live);
  await new Promise((resolve) => setTimeout(resolve, 0));
  await fleet.load();
  return { http, session: {} as Session, live, fleet, client };
}
