/**
 * What the reconnect-storm bench tells its load processes and what they answer, over the IPC
 * channel: the viewer workers (storm-viewer-worker.ts) and the agent host (storm-agent-host.ts).
 */

export interface StormTarget {
  host: string;
  port: number;
  path: string;
  /** `wirefleet`: bearer token, `welcome`, `subscribe` with `since`; `uws`: nothing after the 101. */
  protocol: 'wirefleet' | 'uws';
}

/** One viewer: its token (wirefleet only) and the rooms it subscribes to. */
export interface ViewerSpec {
  token?: string;
  rooms: string[];
}

/**
 * What "live again with `since` recovered" means for a client after `killedAt` (ms since the
 * epoch): reconnected after that moment and, for every room it follows, either holding the
 * room's offset `tops[room]` (the events published during the outage replayed) or told
 * `recovered:false`.
 */
export interface StormExpectation {
  killedAt: number;
  tops: Record<string, string>;
}

/** One seeded node the agent host runs an agent for. */
export interface AgentSpec {
  nodeId: number;
  secret: string;
  tunnelIp: string;
  publicKey: string;
}

export type StormCommand =
  | { type: 'open'; id: number; target: StormTarget; viewers: ViewerSpec[]; concurrency: number }
  | {
      type: 'start-agents';
      id: number;
      apiUrl: string;
      gatewayUrl: string;
      networkCidr: string;
      agents: AgentSpec[];
    }
  | { type: 'expect'; id: number; expectation: StormExpectation }
  | { type: 'report'; id: number }
  | { type: 'reset'; id: number }
  | { type: 'close'; id: number };

/** What one load process counted since its last reset. */
export interface StormReport {
  clients: number;
  /** Clients live now (welcomed and subscribed; or open, for bare uWS): read before the kill. */
  liveBefore: number;
  /** Per client, ms from the kill until it was live again with its rooms recovered; null: not yet. */
  liveAfterMs: Array<number | null>;
  /** Connection attempts after the kill, and how those that failed ended (status, `refused`, `timeout`…). */
  attempts: number;
  failures: Record<string, number>;
  /** Rooms answered `recovered:false` (the client must reload them; allowed, counted). */
  notRecovered: number;
  /** Events a client never saw although its `since` was recovered: must be 0. */
  silentGaps: number;
  /** Clients that stopped for good (a terminal close code): must be 0. */
  gaveUp: number;
  /** Warnings and errors the clients logged, by message (agents only). */
  logged: Record<string, number>;
  errors: string[];
}

export type StormReply =
  | { type: 'ready'; id: number }
  | { type: 'opened'; id: number; open: number; failures: Record<string, number>; errors: string[] }
  | { type: 'ok'; id: number }
  | { type: 'report'; id: number; report: StormReport }
  | { type: 'failed'; id: number; error: string };
