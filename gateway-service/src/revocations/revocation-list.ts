import type { Revocation } from '@wirefleet/shared/revocations';

/** A subject entry: tokens with `iat` before `notBefore` are refused (Infinity: all of them). */
interface SubjectEntry {
  notBefore: number;
  expiresAt: number;
}

/** What the check reads from a verified token. */
export interface RevocableClaims {
  sub: string;
  sid: string;
  iat: number;
}

/**
 * The revocations in force, in memory: the upgrade and the `refresh` frame check every token
 * here with two Map lookups, never a round trip. Fed by the Bus and loaded from the
 * RevocationStore at start (see RevocationFeed). An entry is dropped once it has expired: every
 * token it could refuse has expired by then too.
 */
export class RevocationList {
  private readonly sids = new Map<string, number>();
  private readonly subjects = new Map<string, SubjectEntry>();

  /** Adds an entry; a second entry for the same key widens it (later expiry, later `not_before`). */
  add(entry: Revocation): void {
    const colon = entry.key.indexOf(':');
    const kind = entry.key.slice(0, colon);
    if (kind === 'sid') {
      const sid = entry.key.slice(colon + 1);
      this.sids.set(sid, Math.max(this.sids.get(sid) ?? 0, entry.expires_at));
      return;
    }
    const notBefore = kind === 'node' ? Number.POSITIVE_INFINITY : (entry.not_before ?? Number.POSITIVE_INFINITY);
    const known = this.subjects.get(entry.key);
    this.subjects.set(entry.key, {
      notBefore: Math.max(known?.notBefore ?? 0, notBefore),
      expiresAt: Math.max(known?.expiresAt ?? 0, entry.expires_at),
    });
  }

  /** True when the token's session, user or node has been revoked since it was issued. */
  refuses(claims: RevocableClaims): boolean {
    if (this.sids.size === 0 && this.subjects.size === 0) return false;
    if (this.sids.has(claims.sid)) return true;
    const subject = this.subjects.get(claims.sub);
    return subject !== undefined && claims.iat < subject.notBefore;
  }

  /** Drops what expired at `nowMs`; returns how many entries are left. */
  prune(nowMs: number): number {
    for (const [sid, expiresAt] of this.sids) if (expiresAt <= nowMs) this.sids.delete(sid);
    for (const [key, entry] of this.subjects) if (entry.expiresAt <= nowMs) this.subjects.delete(key);
    return this.size;
  }

  get size(): number {
    return this.sids.size + this.subjects.size;
  }
}
