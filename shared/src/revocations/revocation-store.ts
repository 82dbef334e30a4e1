import { REVOCATION_TTL_MS, type Revocation } from './revocation.js';

/**
 * Where revocations outlive the announcement, so a gateway that starts (or lost its Bus
 * connection) can load the entries still in force. The auth-api writes, gateways read.
 */
export interface RevocationStore {
  /** Adds or extends an entry; drops entries already past their `expires_at`. */
  record(entry: Revocation): Promise<void>;
  /** Every entry whose `expires_at` is after `nowMs`. */
  load(nowMs: number): Promise<Revocation[]>;
}

/** Single-process mode: the auth-api and the gateway share one instance. */
export class InMemoryRevocationStore implements RevocationStore {
  private readonly entries = new Map<string, Revocation>();

  async record(entry: Revocation): Promise<void> {
    const member = memberOf(entry);
    const known = this.entries.get(member);
    if (!known || known.expires_at < entry.expires_at) this.entries.set(member, entry);
    // Entries are made with one lifetime, so one made now outlives every earlier one: what
    // expired before it was made can go.
    const madeAt = entry.expires_at - REVOCATION_TTL_MS;
    for (const [key, value] of this.entries) if (value.expires_at <= madeAt) this.entries.delete(key);
  }

  async load(nowMs: number): Promise<Revocation[]> {
    const live: Revocation[] = [];
    for (const [member, entry] of this.entries) {
      if (entry.expires_at > nowMs) live.push(entry);
      else this.entries.delete(member);
    }
    return live;
  }
}

/** One member per key and `not_before`: two role changes of one user are two entries. */
export function memberOf(entry: Revocation): string {
  return entry.not_before === undefined ? entry.key : `${entry.key}@${entry.not_before}`;
}
