import { FLEET_ROOM } from '@wirefleet/shared/protocol';
import type { EventFrame } from '@wirefleet/shared/protocol';
import { ApiError } from '../api/api-error.js';
import type { HttpClient } from '../api/http-client.js';
import type { FleetNode, Page } from '../api/resources.js';
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

const PAGE_SIZE = 500;
const MAX_PAGES = 200;

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
  private loading: Promise<void> | undefined;
  /** Bumped by stop(): a read that outlived its session drops its result. */
  private session = 0;

  constructor(private readonly http: HttpClient) {}

  /**
   * Starts reading the list as soon as there is a token, before the live connection exists, so
   * the overview does not wait for the user's profile first.
   */
  prefetch(): void {
    this.loading ??= this.load();
  }

  /**
   * Subscribes to the `fleet` room and reads the list (or keeps the prefetch in flight, whose
   * events are applied on top); call once per session. A prefetch that already finished is
   * read again in the background, since events before the subscription were not seen.
   */
  start(live: LiveConnection): void {
    this.stopLive = live.subscribe(FLEET_ROOM, (event) => this.receive(event), () => void this.load());
    if (!this.loading || this.pendingDuringLoad === undefined) this.loading = this.load();
  }

  /** Ends the session's view of the fleet: nothing of it stays for the next user of the tab. */
  stop(): void {
    this.stopLive?.();
    this.stopLive = undefined;
    this.session += 1;
    this.pendingDuringLoad = undefined;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    this.loading = undefined;
    this.nodes = new Map();
    this.snapshot.set({ status: 'loading', version: this.snapshot.get().version + 1, nodes: new Map() });
  }

  onCommandUpdated(listener: CommandListener): () => void {
    this.commandListeners.add(listener);
    return () => this.commandListeners.delete(listener);
  }

  /** Reads every page; the table shows the first page as soon as it arrives. */
  async load(): Promise<void> {
    const session = this.session;
    this.pendingDuringLoad = [];
    try {
      const fresh = new Map<number, FleetNode>();
      let cursor: string | undefined;
      for (let page = 0; page < MAX_PAGES; page += 1) {
        const result = await this.http.get<Page<FleetNode>>('/v1/nodes', { limit: PAGE_SIZE, cursor });
        if (session !== this.session) return;
        for (const node of result.items) fresh.set(node.id, node);
        if (page === 0 && result.next_cursor && this.snapshot.get().status === 'loading') this.showPartial(fresh);
        if (!result.next_cursor) break;
        cursor = result.next_cursor;
      }
      this.nodes = fresh;
      const missed = this.pendingDuringLoad;
      this.pendingDuringLoad = undefined;
      for (const event of missed) this.apply(fleetChange(event));
      this.publish('ready');
    } catch (error) {
      if (session !== this.session) return;
      this.pendingDuringLoad = undefined;
      this.snapshot.update((current) => ({ ...current, status: current.status === 'ready' ? 'ready' : 'error', error }));
    }
  }

  private showPartial(first: Map<number, FleetNode>): void {
    this.snapshot.update((current) => ({ status: 'loading', version: current.version + 1, nodes: new Map(first) }));
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
