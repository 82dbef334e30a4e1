import { FLEET_ROOM } from '@wirefleet/shared/protocol';
import type { EventFrame } from '@wirefleet/shared/protocol';
import { ApiError } from '../api/api-error.js';
import { type HttpClient, readAllPages } from '../api/http-client.js';
import type { FleetNode } from '../api/resources.js';
import { Store } from '../app/store.js';
import type { LiveConnection } from '../live/live-connection.js';
import { type FleetChange, fleetChange } from './fleet-events.js';

export interface FleetSnapshot {
  status: 'loading' | 'ready' | 'error';
  error?: unknown;
  /** Bumped on every change, so views can memoise on it. */
  version: number;
  nodes: ReadonlyMap<number, FleetNode>;
}

export type CommandListener = (change: { commandId: string; nodeId: number; status: string }) => void;

/** How long live changes are gathered before views hear of them: one render for a burst. */
const BATCH_MS = 100;

/**
 * Every node of the fleet, read once over REST and then kept current from the `fleet` room.
 * Events that arrive while the list is being read are applied again on top of it, and a
 * `resync` (missed events that cannot be replayed) reads the list again.
 */
export class FleetStore {
  readonly snapshot = new Store<FleetSnapshot>({ status: 'loading', version: 0, nodes: new Map() });
  private nodes = new Map<number, FleetNode>();
  private readonly commandListeners = new Set<CommandListener>();
  private pendingDuringLoad: EventFrame[] | undefined;
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private stopLive: (() => void) | undefined;

  constructor(private readonly http: HttpClient) {}

  /** Subscribes to the `fleet` room and reads the list; call once per session. */
  start(live: LiveConnection): void {
    this.stopLive = live.subscribe(FLEET_ROOM, (event) => this.receive(event), () => void this.load());
    void this.load();
  }

  stop(): void {
    this.stopLive?.();
    if (this.flushTimer) clearTimeout(this.flushTimer);
  }

  onCommandUpdated(listener: CommandListener): () => void {
    this.commandListeners.add(listener);
    return () => this.commandListeners.delete(listener);
  }

  async load(): Promise<void> {
    this.pendingDuringLoad = [];
    try {
      const items = await readAllPages<FleetNode>(this.http, '/v1/nodes', { limit: 500 });
      this.nodes = new Map(items.map((node) => [node.id, node]));
      const missed = this.pendingDuringLoad;
      this.pendingDuringLoad = undefined;
      for (const event of missed) this.apply(fleetChange(event));
      this.publish('ready');
    } catch (error) {
      this.pendingDuringLoad = undefined;
      this.snapshot.update((current) => ({ ...current, status: current.status === 'ready' ? 'ready' : 'error', error }));
    }
  }

  /** Reads one node again (after a change made here, or an event that needs the full row). */
  async reloadNode(nodeId: number): Promise<FleetNode | undefined> {
    try {
      const node = await this.http.get<FleetNode>(`/v1/nodes/${nodeId}`);
      this.nodes.set(node.id, { ...this.nodes.get(node.id), ...node });
      this.scheduleFlush();
      return node;
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404)) throw error;
      this.nodes.delete(nodeId);
      this.scheduleFlush();
      return undefined;
    }
  }

  /** Merges what a view learned elsewhere (the node's own room) into the node's row. */
  patchNode(nodeId: number, patch: Partial<FleetNode>): void {
    const node = this.nodes.get(nodeId);
    if (!node) return;
    this.nodes.set(nodeId, { ...node, ...patch });
    this.scheduleFlush();
  }

  private receive(event: EventFrame): void {
    // While the list is being read, events wait and are applied on top of it.
    if (this.pendingDuringLoad) this.pendingDuringLoad.push(event);
    else this.apply(fleetChange(event));
  }

  private apply(change: FleetChange): void {
    if (change.kind === 'command') {
      for (const listener of [...this.commandListeners]) listener(change);
      return;
    }
    if (change.kind === 'none') return;
    const node = this.nodes.get(change.nodeId);
    if (change.kind === 'reload' || (change.kind === 'patch' && !node)) {
      this.reloadNode(change.nodeId).catch(() => undefined);
      return;
    }
    if (change.kind === 'remove') this.nodes.delete(change.nodeId);
    else if (node) this.nodes.set(change.nodeId, { ...node, ...change.patch });
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.pendingDuringLoad || this.flushTimer) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      this.publish('ready');
    }, BATCH_MS);
  }

  private publish(status: FleetSnapshot['status']): void {
    this.snapshot.update((current) => ({ status, version: current.version + 1, nodes: new Map(this.nodes) }));
  }
}
