/** What the gateway benchmarks' client workers are told and answer (over the IPC channel). */

export interface WorkerTarget {
  host: string;
  port: number;
  path: string;
  /**
   * `wirefleet`: bearer token, `welcome`, then `subscribe` to `room`; `uws`: nothing after the
   * 101 (the bare relay subscribes every socket itself); `socketio`: Engine.IO open + `40`.
   */
  protocol: 'wirefleet' | 'uws' | 'socketio';
  room?: string;
}

export type WorkerCommand =
  | {
      type: 'open';
      id: number;
      target: WorkerTarget;
      count: number;
      /** One per client (wirefleet only). */
      tokens?: string[];
      /**
       * Where each client binds: client `i` of this command is global client `first + i`, bound
       * to `addresses[g % n]` port `portBase + floor(g / n)`. Explicit ports, because letting
       * the kernel pick one for a bound address (bind to port 0) scans its port table and makes
       * the generator, not the server, the bottleneck at 20,000 connections. Empty: no binding.
       */
      source: { addresses: string[]; first: number; portBase: number };
      /** Upgrades in flight at once. */
      concurrency: number;
      /** `count`: count event frames, reading in bursts; `latency`: time each one; `idle`: only answer pings. */
      mode: 'count' | 'latency' | 'idle';
    }
  | { type: 'snapshot'; id: number }
  | { type: 'reset'; id: number }
  | { type: 'close'; id: number };

export type WorkerReply =
  | { type: 'ready'; id: number }
  | {
      type: 'opened';
      id: number;
      open: number;
      /** Failed upgrades by HTTP status (or `error`). */
      refused: Record<string, number>;
      errors: string[];
      /** Monotonic clock, µs: when the first upgrade started and when the last one completed its greeting. */
      startedAt: number;
      lastOpenAt: number;
    }
  | {
      type: 'snapshot';
      id: number;
      /** Event frames received so far (cumulative). */
      frames: number;
      /** Sockets closed by the server so far. */
      closed: number;
      /** Publish-to-receive latencies (µs) since the last snapshot (latency mode). */
      latencies: number[];
      at: number;
    }
  | { type: 'closed'; id: number }
  | { type: 'failed'; id: number; error: string };
