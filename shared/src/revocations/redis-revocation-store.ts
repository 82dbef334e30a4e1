import type { Redis } from 'ioredis';
import { parseRevocation, REVOCATION_TTL_MS, type Revocation } from './revocation.js';
import { memberOf, type RevocationStore } from './revocation-store.js';

/**
 * One sorted set `<prefix>revocations`: member `<key>` or `<key>@<not_before>`, score the
 * entry's `expires_at`. Loading is one ZRANGEBYSCORE; each write trims what has expired and
 * pushes the key's own expiry out, so an idle deployment is left with nothing.
 */
export class RedisRevocationStore implements RevocationStore {
  private readonly key: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly now: () => number = Date.now,
  ) {
    this.key = `${prefix}revocations`;
  }

  async record(entry: Revocation): Promise<void> {
    const result = await this.redis
      .multi()
      .zadd(this.key, entry.expires_at, memberOf(entry))
      .zremrangebyscore(this.key, '-inf', this.now())
      .pexpire(this.key, REVOCATION_TTL_MS + 60_000)
      .exec();
    const failed = result?.find(([error]) => error);
    if (!result || failed) throw failed?.[0] ?? new Error('revocation write was discarded');
  }

  async load(nowMs: number): Promise<Revocation[]> {
    const flat = await this.redis.zrangebyscore(this.key, `(${nowMs}`, '+inf', 'WITHSCORES');
    const entries: Revocation[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const [key, notBefore] = flat[i]!.split('@');
      const entry = parseRevocation({
        key,
        ...(notBefore === undefined ? {} : { not_before: Number(notBefore) }),
        expires_at: Number(flat[i + 1]),
      });
      if (entry) entries.push(entry);
    }
    return entries;
  }
}
