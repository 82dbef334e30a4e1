import type { Redis } from 'ioredis';

/**
 * Redis's clock as this process sees it, and which Redis process answers (its `run_id`).
 *
 * A room joined without reading its history top (RedisBus's no-round-trip join) has no offset
 * to resume from after a lost connection; it keeps the Redis time it was joined at instead, and
 * a catch-up replays the entries stamped from then on (the publish script stamps each with Redis
 * `TIME`). The run id tells a catch-up that Redis itself restarted, so history written before the
 * restart may be gone.
 */
export class RedisClock {
  /** Redis time minus local time, ms; undefined until first measured. */
  private offsetMs: number | undefined;
  /** Half the round trip of the last measurement: how far off the offset can be. */
  private uncertaintyMs = 0;
  private runId: string | undefined;

  constructor(private readonly redis: Redis) {}

  get known(): boolean {
    return this.offsetMs !== undefined;
  }

  /** Now on Redis's clock, ms (local clock until measured). */
  now(): number {
    return Date.now() + (this.offsetMs ?? 0);
  }

  /** How far `now()` may be off, plus a margin for clock steps between measurements, ms. */
  get marginMs(): number {
    return 1_000 + this.uncertaintyMs;
  }

  /** Measures offset and run id again; `restarted` when the run id differs from the last one seen. */
  async measure(): Promise<{ restarted: boolean }> {
    const sentAt = Date.now();
    const [time, info] = await Promise.all([
      this.redis.time() as Promise<[string | number, string | number]>,
      this.redis.info('server'),
    ]);
    const receivedAt = Date.now();
    const redisMs = Number(time[0]) * 1_000 + Math.floor(Number(time[1]) / 1_000);
    this.offsetMs = redisMs - (sentAt + receivedAt) / 2;
    this.uncertaintyMs = (receivedAt - sentAt) / 2;
    const runId = /^run_id:(\S+)/m.exec(info)?.[1];
    const restarted = this.runId !== undefined && runId !== undefined && runId !== this.runId;
    if (runId !== undefined) this.runId = runId;
    return { restarted };
  }
}
