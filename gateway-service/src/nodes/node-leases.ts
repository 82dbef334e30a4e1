import type { Redis } from 'ioredis';

/**
 * Which connection is *the* connection of a node, across all gateway instances. The newest
 * connection always wins: `acquire` overwrites, and the previous holder is told to go (4010).
 * Leases expire unless renewed, so a dead instance's claims vanish by themselves.
 */
export interface NodeLeases {
  /** Makes `holder` the node's connection; returns the previous holder, if any. */
  acquire(nodeId: number, holder: string): Promise<string | null>;
  /**
   * Extends the lease, taking it again when it is missing (Redis restarted or flushed, an outage
   * longer than the lease); false only when another holder has it (the caller must close).
   */
  renew(nodeId: number, holder: string): Promise<boolean>;
  /** Drops the lease if `holder` still has it. */
  release(nodeId: number, holder: string): Promise<void>;
}

/** Single-process leases. */
export class LocalNodeLeases implements NodeLeases {
  private readonly holders = new Map<number, string>();

  async acquire(nodeId: number, holder: string): Promise<string | null> {
    const previous = this.holders.get(nodeId) ?? null;
    this.holders.set(nodeId, holder);
    return previous;
  }

  async renew(nodeId: number, holder: string): Promise<boolean> {
    const current = this.holders.get(nodeId);
    if (current === undefined) this.holders.set(nodeId, holder);
    return current === undefined || current === holder;
  }

  async release(nodeId: number, holder: string): Promise<void> {
    if (this.holders.get(nodeId) === holder) this.holders.delete(nodeId);
  }
}

// A missing key is not another holder: Redis restarted empty, was flushed, or was away longer
// than the lease. The holder takes it again; only a different value means "replaced".
const RENEW = `local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if holder == false then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
return 0`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

/** Leases as Redis keys `<prefix>node-lease:{<id>}` holding `<instance>/<conn>`. */
export class RedisNodeLeases implements NodeLeases {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlMs: number,
  ) {}

  private key(nodeId: number): string {
    return `${this.prefix}node-lease:{${nodeId}}`;
  }

  async acquire(nodeId: number, holder: string): Promise<string | null> {
    // SET … GET (Redis ≥ 6.2) swaps atomically and tells us whom we replaced.
    return (await this.redis.call('SET', this.key(nodeId), holder, 'PX', String(this.ttlMs), 'GET')) as string | null;
  }

  async renew(nodeId: number, holder: string): Promise<boolean> {
    return (await this.redis.eval(RENEW, 1, this.key(nodeId), holder, String(this.ttlMs))) === 1;
  }

  async release(nodeId: number, holder: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.key(nodeId), holder);
  }
}
