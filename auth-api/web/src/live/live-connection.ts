import { type ConnectionState, RealtimeClient, type TokenProvider } from '@wirefleet/shared/client';
import type { EventFrame } from '@wirefleet/shared/protocol';
import { Store } from '../app/store.js';

export type RoomHandler = (event: EventFrame) => void;

export interface LiveConnectionOptions {
  /** The gateway's WebSocket URL, e.g. `ws://127.0.0.1:9000/ws`. */
  url: string;
  token: TokenProvider;
  /** For tests: a fake client with the same surface. */
  createClient?: (options: ConstructorParameters<typeof RealtimeClient>[0]) => RealtimeClient;
}

/**
 * The dashboard's one socket to the gateway, through the shared RealtimeClient (reconnects,
 * `since` replay, token refresh on the open connection). Views subscribe to rooms here; when a
 * room's missed events cannot be replayed, its `resync` listeners re-read over REST.
 */
export class LiveConnection {
  readonly state = new Store<ConnectionState>('idle');
  private readonly client: RealtimeClient;
  private readonly resyncListeners = new Map<string, Set<() => void>>();

  constructor(options: LiveConnectionOptions) {
    const create = options.createClient ?? ((clientOptions) => new RealtimeClient(clientOptions));
    this.client = create({
      url: options.url,
      token: options.token,
      onResync: (room) => {
        for (const listener of [...(this.resyncListeners.get(room) ?? [])]) listener();
      },
    });
    this.client.on('state', ({ state }) => this.state.set(state));
  }

  start(): void {
    this.client.start();
  }

  /** Closes the socket (1000) and never reconnects. */
  stop(): Promise<void> {
    return this.client.stop();
  }

  /** Events of `room` until the returned function is called; `onResync` when some were lost. */
  subscribe(room: string, handler: RoomHandler, onResync?: () => void): () => void {
    const unsubscribe = this.client.subscribe(room, handler);
    if (!onResync) return unsubscribe;
    let listeners = this.resyncListeners.get(room);
    if (!listeners) {
      listeners = new Set();
      this.resyncListeners.set(room, listeners);
    }
    listeners.add(onResync);
    return () => {
      listeners.delete(onResync);
      unsubscribe();
    };
  }
}

/** The gateway URL the auth-api wrote into the page, or the default of a local `npm start`. */
export function gatewayUrlFromPage(doc: Document = document): string {
  const meta = doc.querySelector<HTMLMetaElement>('meta[name="wirefleet-gateway"]');
  return meta?.content || 'ws://127.0.0.1:9000/ws';
}
