import { RealtimeClient, type WebSocketConstructor } from '@wirefleet/shared/client';
import type { ServerFrame } from '@wirefleet/shared/protocol';
import WebSocket from 'ws';
import { AdminApi } from './admin-api.js';
import { analyzeClient, type ClientAnalysis, type ClientEntry } from './gap-analysis.js';

/** `ws` with a tap: every frame is seen before the client handles it (listeners run in order). */
function tappedWebSocket(onFrame: (text: string) => void): WebSocketConstructor {
  class Tapped extends WebSocket {
    constructor(url: string, protocols: string[]) {
      super(url, protocols);
      this.addEventListener('message', (event) => onFrame(String(event.data)));
    }
  }
  return Tapped as unknown as WebSocketConstructor;
}

/**
 * A dashboard: the shared RealtimeClient (reconnects through the gateway proxy, resubscribes
 * with `since`) watching `fleet` and some node rooms. It logs each event it delivers with its
 * offset and every `subscribed` frame, so the gap analysis sees what the user saw.
 */
export class RecordingClient {
  readonly log: ClientEntry[] = [];
  readonly closes: Array<{ t: number; code: number }> = [];
  private readonly client: RealtimeClient;

  constructor(
    readonly name: string,
    gatewayUrl: string,
    apiUrl: string,
    readonly rooms: string[],
  ) {
    const api = new AdminApi(apiUrl);
    this.client = new RealtimeClient({
      url: gatewayUrl,
      token: async (request) => {
        if (request?.forceRefresh) await api.login();
        return api.accessToken();
      },
      WebSocketImpl: tappedWebSocket((text) => this.onFrame(text)),
      backoff: { initialMs: 250, maxMs: 2_000 },
    });
    for (const room of rooms) {
      this.client.subscribe(room, (event) => this.log.push({ t: Date.now(), kind: 'event', room, offset: event.offset }));
    }
    this.client.on('close', (close) => this.closes.push({ t: Date.now(), code: close.code }));
  }

  private onFrame(text: string): void {
    const frame = JSON.parse(text) as ServerFrame;
    if (frame.type !== 'subscribed') return;
    this.log.push({
      t: Date.now(),
      kind: 'subscribed',
      room: frame.room,
      offset: frame.offset,
      recovered: frame.recovered,
      solicited: frame.id !== undefined,
    });
  }

  start(): void {
    this.client.start();
  }

  get state(): string {
    return this.client.state;
  }

  /** True once every room was acknowledged at least once. */
  subscribedToAll(): boolean {
    const acknowledged = new Set(this.log.filter((entry) => entry.kind === 'subscribed').map((entry) => entry.room));
    return this.rooms.every((room) => acknowledged.has(room));
  }

  analyze(): ClientAnalysis {
    return analyzeClient(this.name, this.log);
  }

  stop(): Promise<void> {
    return this.client.stop();
  }
}
