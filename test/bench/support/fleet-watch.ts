import { type BusEvent, RedisBus } from '@wirefleet/shared/bus';
import { createLogger } from '@wirefleet/shared/logging';
import { TEST_REDIS_URL } from '../../support/services.js';

/** Epoch milliseconds with sub-millisecond resolution: comparable with the Bus's own `ts`. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

export interface Arrival {
  /** When the bench's subscriber got it (epoch ms, this process's clock). */
  at: number;
  /** When Redis appended it (the Bus's `ts`, epoch ms, whole ms; same machine, same clock). */
  ts: number;
}

export interface Round {
  arrivals: Map<number, Arrival>;
  /** Rooms still missing when the round ended (0 when all arrived). */
  missing: number;
}

/**
 * Subscribes to `node:<id>` for every node, on the auth-api's own Redis prefix, as a gateway
 * would, and timestamps what arrives. A round waits for the first event of one name in every
 * room (optionally only revisions above a given one per node), so "the last node's room has
 * its config.changed" is the latest of those arrivals. It also counts every config.changed it
 * sees, to show how much announcing a stretch of load caused.
 */
export class FleetWatch {
  private readonly bus: RedisBus;
  private unsubscribes: Array<() => Promise<void>> = [];
  private round:
    | { event: string; above?: Map<number, number>; arrivals: Map<number, Arrival>; done: () => void }
    | undefined;
  configChanged = 0;

  private constructor(
    prefix: string,
    private readonly ids: number[],
  ) {
    // Warnings only, to stderr: a reconnect during a measurement must show, chatter must not.
    const logger = createLogger({ service: 'bench-watch', level: 'warn', destination: process.stderr });
    this.bus = new RedisBus({ url: TEST_REDIS_URL, keyPrefix: prefix, logger });
  }

  static async open(prefix: string, ids: number[]): Promise<FleetWatch> {
    const watch = new FleetWatch(prefix, ids);
    try {
      watch.unsubscribes = await Promise.all(
        ids.map((id) => watch.bus.subscribe(`node:${id}`, (event) => watch.onEvent(id, event))),
      );
    } catch (error) {
      await watch.close();
      throw error;
    }
    return watch;
  }

  /** The Bus the watch listens on, for the baseline publishes (same prefix, same connection kind). */
  get publisher(): RedisBus {
    return this.bus;
  }

  private onEvent(id: number, event: BusEvent): void {
    const at = nowMs();
    if (event.event === 'config.changed') this.configChanged += 1;
    const round = this.round;
    if (!round || event.event !== round.event || round.arrivals.has(id)) return;
    const revision = (event.data as { revision?: number } | null)?.revision ?? 0;
    const floor = round.above?.get(id);
    if (floor !== undefined && revision <= floor) return;
    round.arrivals.set(id, { at, ts: event.ts });
    if (round.arrivals.size === this.ids.length) round.done();
  }

  /**
   * Arms a round, runs `trigger`, and waits until every room had its event or `timeoutMs`
   * passed. Armed before the trigger, so an announcement cannot beat the listener.
   */
  async measure<T>(
    event: string,
    above: Map<number, number> | undefined,
    trigger: () => Promise<T>,
    timeoutMs = 15_000,
  ): Promise<{ result: T; round: Round }> {
    const arrivals = new Map<number, Arrival>();
    let done: () => void = () => undefined;
    const complete = new Promise<void>((resolve) => {
      done = resolve;
    });
    this.round = { event, ...(above ? { above } : {}), arrivals, done };
    try {
      const result = await trigger();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([complete, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
      clearTimeout(timer);
      return { result, round: { arrivals: new Map(arrivals), missing: this.ids.length - arrivals.size } };
    } finally {
      this.round = undefined;
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.unsubscribes.map((unsubscribe) => unsubscribe().catch(() => undefined)));
    await this.bus.close();
  }
}
