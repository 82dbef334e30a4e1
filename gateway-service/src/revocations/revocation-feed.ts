import type { Bus, BusEvent } from '@wirefleet/shared/bus';
import type { Logger } from '@wirefleet/shared/logging';
import { parseRevocation, REVOCATION_EVENT, REVOCATION_ROOM, type Revocation, type RevocationStore } from '@wirefleet/shared/revocations';
import type { RevocationList } from './revocation-list.js';

const PRUNE_INTERVAL_MS = 30_000;

/**
 * Keeps a RevocationList current: subscribes to the revocation room first, then loads what the
 * store holds (so nothing announced in between is missed), and reloads whenever the Bus reports
 * a gap (its Redis connection dropped and announcements may have been lost). Each live entry is
 * also handed to `onRevoked`, which closes the connections it matches.
 */
export class RevocationFeed {
  private stopSubscription: (() => Promise<void>) | undefined;
  private pruner: NodeJS.Timeout | undefined;

  constructor(
    private readonly deps: {
      bus: Bus;
      store: RevocationStore;
      list: RevocationList;
      logger: Logger;
      onRevoked(entry: Revocation): void;
      now(): number;
    },
  ) {}

  /** Resolves once the stored entries are in the list; rejects when the store cannot be read. */
  async start(): Promise<void> {
    this.stopSubscription = await this.deps.bus.subscribe(
      REVOCATION_ROOM,
      (event) => this.onEvent(event),
      () => {
        this.load().catch((error: unknown) =>
          this.deps.logger.error({ err: error }, 'could not reload revocations after a Bus gap; keeping the list as it is'),
        );
      },
    );
    await this.load();
    this.pruner = setInterval(() => this.deps.list.prune(this.deps.now()), PRUNE_INTERVAL_MS);
    this.pruner.unref();
  }

  async stop(): Promise<void> {
    if (this.pruner) clearInterval(this.pruner);
    await this.stopSubscription?.();
  }

  private async load(): Promise<void> {
    const entries = await this.deps.store.load(this.deps.now());
    for (const entry of entries) this.deps.list.add(entry);
    this.deps.logger.debug({ entries: entries.length }, 'revocations loaded');
  }

  private onEvent(event: BusEvent): void {
    if (event.event !== REVOCATION_EVENT) return;
    const entry = parseRevocation(event.data);
    if (!entry) {
      this.deps.logger.warn({ offset: event.offset }, 'malformed revocation event ignored');
      return;
    }
    this.deps.list.add(entry);
    this.deps.onRevoked(entry);
  }
}
