import type { IngestDelivery, IngestSource } from '@wirefleet/shared/ingest';
import { decodeIngestEntry, ingestStreamKey } from '@wirefleet/shared/ingest';
import type { Logger } from '@wirefleet/shared/logging';
import type { Redis } from 'ioredis';

export interface RedisIngestSourceOptions {
  /** Used for acks, claims and group management; duplicated for the blocking reads. */
  redis: Redis;
  prefix: string;
  /** Consumer group shared by every auth-api instance. */
  group?: string;
  /** This instance's name within the group. */
  consumer: string;
  logger: Logger;
  blockMs?: number;
  batch?: number;
  /** Entries pending this long with another consumer are taken over (and how often to look). */
  claimIdleMs?: number;
}

const MIN_BACKOFF_MS = 200;
const MAX_BACKOFF_MS = 5_000;
/** Upper bound of XAUTOCLAIM pages per claim pass, so a huge backlog cannot starve new reads. */
const MAX_CLAIM_PAGES = 10;

interface RawEntry {
  id: string;
  /** Null when the entry was trimmed from the stream while still pending. */
  fields: string[] | null;
}

interface LoopState {
  running: boolean;
  wake: (() => void) | undefined;
}

/** Thrown when `handle` rejected, to tell it apart from Redis failures in the loop. */
class HandleFailed extends Error {}

/**
 * Consumes the ingest stream (`<prefix>ingest`) through a consumer group, so several auth-api
 * instances share the records. Guarantees:
 * - at least once: an entry is acknowledged only after `handle` resolved for its batch; a
 *   rejected batch stays pending and is handed to `handle` again (after a short back-off),
 *   before any new entry; entries left pending by a dead consumer for `claimIdleMs` are
 *   taken over (XAUTOCLAIM), so `handle` must be idempotent;
 * - one `handle` call at a time per `consume`, entries in stream order within a batch;
 * - a malformed entry (no `r` field, not JSON, not a record) is logged and acknowledged
 *   without reaching `handle`, so a poison entry never blocks the group;
 * - Redis outages and restarts are survived: failures are logged and retried with back-off,
 *   and a group lost with an empty restart is recreated (from the stream's start, since every
 *   entry of a recreated stream is new);
 * - `stop()` returns promptly: the blocking read runs on a dedicated connection that is
 *   closed on stop; a batch already in `handle` is finished and acknowledged first.
 */
export class RedisIngestSource implements IngestSource {
  private readonly redis: Redis;
  private readonly key: string;
  private readonly group: string;
  private readonly consumer: string;
  private readonly logger: Logger;
  private readonly blockMs: number;
  private readonly batch: number;
  private readonly claimIdleMs: number;

  constructor(options: RedisIngestSourceOptions) {
    this.redis = options.redis;
    this.key = ingestStreamKey(options.prefix);
    this.group = options.group ?? 'auth-api';
    this.consumer = options.consumer;
    this.logger = options.logger;
    this.blockMs = options.blockMs ?? 1_000;
    this.batch = options.batch ?? 100;
    this.claimIdleMs = options.claimIdleMs ?? 30_000;
  }

  consume(handle: (deliveries: IngestDelivery[]) => Promise<void>): { stop(): Promise<void> } {
    // Blocking reads get their own connection: they would stall acks queued behind them, and
    // closing it is how stop() interrupts a read that would otherwise block for blockMs.
    const reader = this.redis.duplicate();
    reader.on('error', (error: unknown) =>
      this.logger.debug({ err: error }, 'ingest reader connection error'),
    );
    const state: LoopState = { running: true, wake: undefined };
    const loop = this.run(reader, handle, state);
    return {
      stop: async () => {
        state.running = false;
        state.wake?.();
        reader.disconnect();
        await loop;
      },
    };
  }

  private async run(
    reader: Redis,
    handle: (deliveries: IngestDelivery[]) => Promise<void>,
    state: LoopState,
  ): Promise<void> {
    let groupId: '$' | '0' | undefined = '$';
    // Our own pending entries first: a batch whose handle failed, or entries this consumer
    // name was given before a restart.
    let backlog = true;
    let lastClaim = 0;
    let backoff = MIN_BACKOFF_MS;
    while (state.running) {
      try {
        if (groupId) {
          await this.createGroup(groupId);
          groupId = undefined;
        }
        if (Date.now() - lastClaim >= this.claimIdleMs) {
          lastClaim = Date.now();
          await this.claim(handle);
        }
        const entries = await this.read(reader, backlog ? '0' : '>');
        if (backlog && entries.length === 0) backlog = false;
        await this.deliver(entries, handle);
        backoff = MIN_BACKOFF_MS;
      } catch (error) {
        if (!state.running) break;
        if (error instanceof HandleFailed) {
          this.logger.warn({ err: error.cause }, 'ingest batch failed; left pending, retrying');
        } else if (error instanceof Error && error.message.startsWith('NOGROUP')) {
          this.logger.warn('ingest consumer group is gone (Redis restarted empty?); recreating it');
          groupId = '0';
        } else {
          this.logger.warn({ err: error }, 'reading the ingest stream failed; retrying');
        }
        backlog = true;
        await this.sleep(backoff, state);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
    }
  }

  private async createGroup(id: '$' | '0'): Promise<void> {
    try {
      await this.redis.xgroup('CREATE', this.key, this.group, id, 'MKSTREAM');
    } catch (error) {
      // Another instance (or an earlier run) created it: exactly what we wanted.
      if (!(error instanceof Error && error.message.startsWith('BUSYGROUP'))) throw error;
    }
  }

  private async read(reader: Redis, id: '0' | '>'): Promise<RawEntry[]> {
    // Reading our pending list ('0') never blocks; only new entries ('>') are waited for.
    const block = id === '>' ? ['BLOCK', this.blockMs] : [];
    const reply = await reader.call(
      'XREADGROUP',
      'GROUP',
      this.group,
      this.consumer,
      'COUNT',
      this.batch,
      ...block,
      'STREAMS',
      this.key,
      id,
    );
    if (!Array.isArray(reply)) return [];
    const stream: unknown = reply[0];
    return Array.isArray(stream) ? toEntries(stream[1]) : [];
  }

  /** Takes over entries idle too long with any consumer (dead instances) and handles them. */
  private async claim(handle: (deliveries: IngestDelivery[]) => Promise<void>): Promise<void> {
    let start = '0-0';
    for (let page = 0; page < MAX_CLAIM_PAGES; page += 1) {
      const reply = await this.redis.xautoclaim(
        this.key,
        this.group,
        this.consumer,
        this.claimIdleMs,
        start,
        'COUNT',
        this.batch,
      );
      const entries = toEntries(reply[1]);
      if (entries.length > 0) this.logger.info({ count: entries.length }, 'claimed idle ingest entries');
      await this.deliver(entries, handle);
      start = typeof reply[0] === 'string' ? reply[0] : '0-0';
      if (start === '0-0') return;
    }
  }

  private async deliver(
    entries: RawEntry[],
    handle: (deliveries: IngestDelivery[]) => Promise<void>,
  ): Promise<void> {
    const deliveries: IngestDelivery[] = [];
    const poison: string[] = [];
    for (const entry of entries) {
      const parsed = decodeIngestEntry(entry.fields);
      if ('record' in parsed) {
        deliveries.push({ id: entry.id, record: parsed.record });
      } else {
        this.logger.warn({ id: entry.id, reason: parsed.reason }, 'skipping malformed ingest entry');
        poison.push(entry.id);
      }
    }
    if (poison.length > 0) await this.redis.xack(this.key, this.group, ...poison);
    if (deliveries.length === 0) return;
    try {
      await handle(deliveries);
    } catch (error) {
      throw new HandleFailed('handle rejected', { cause: error });
    }
    await this.redis.xack(this.key, this.group, ...deliveries.map((delivery) => delivery.id));
  }

  private sleep(ms: number, state: LoopState): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        state.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      state.wake = done;
    });
  }
}

/** `[[id, [field, value, …] | null], …]` → entries; anything else is dropped. */
function toEntries(raw: unknown): RawEntry[] {
  if (!Array.isArray(raw)) return [];
  const entries: RawEntry[] = [];
  for (const item of raw) {
    if (!Array.isArray(item) || typeof item[0] !== 'string') continue;
    const fields: unknown = item[1];
    entries.push({
      id: item[0],
      fields: Array.isArray(fields)
        ? fields.filter((value): value is string => typeof value === 'string')
        : null,
    });
  }
  return entries;
}
