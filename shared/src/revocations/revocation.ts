import { CLOCK_SKEW_SECONDS, MAX_ACCESS_TOKEN_TTL_SECONDS } from '../tokens/claims.js';

/**
 * Gateway-to-gateway revocations travel in this room (no client may name it). The auth-api
 * publishes one `revoked` event per entry, after writing it to the {@link RevocationStore}.
 */
export const REVOCATION_ROOM = 'gateway:revocations';
export const REVOCATION_EVENT = 'revoked';

/**
 * How long an entry is kept: every token it can refuse was issued before the revocation, so
 * it expires at most this long after it — past that the entry refuses nothing a verifier would
 * accept anyway.
 */
export const REVOCATION_TTL_MS = (MAX_ACCESS_TOKEN_TTL_SECONDS + CLOCK_SKEW_SECONDS) * 1000;

/**
 * One revocation as it is stored and announced.
 * - `sid:<sid>`: every token of that session (token family);
 * - `user:<id>` with `not_before`: tokens of that user issued (`iat`) before that second
 *   (disabled, deleted, role changed — a token issued later carries the new state);
 * - `node:<id>`: every token of that node (deleted).
 */
export interface Revocation {
  key: string;
  /** Seconds since the epoch; only on `user:` entries. */
  not_before?: number;
  /** Milliseconds since the epoch after which the entry is dropped. */
  expires_at: number;
}

const KEY_PATTERN = /^(?:sid:[A-Za-z0-9_-]{1,128}|(?:user|node):[1-9][0-9]{0,17})$/;

export function sessionRevocation(sid: string, nowMs: number): Revocation {
  return { key: `sid:${sid}`, expires_at: nowMs + REVOCATION_TTL_MS };
}

/** Tokens of the user issued before now are refused; one issued from this second on is fine. */
export function userRevocation(userId: number, nowMs: number): Revocation {
  return { key: `user:${userId}`, not_before: Math.floor(nowMs / 1000), expires_at: nowMs + REVOCATION_TTL_MS };
}

export function nodeRevocation(nodeId: number, nowMs: number): Revocation {
  return { key: `node:${nodeId}`, expires_at: nowMs + REVOCATION_TTL_MS };
}

/** Validates an entry read from Redis or the Bus; undefined for anything malformed. */
export function parseRevocation(value: unknown): Revocation | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { key, not_before: notBefore, expires_at: expiresAt } = value as Record<string, unknown>;
  if (typeof key !== 'string' || !KEY_PATTERN.test(key)) return undefined;
  if (typeof expiresAt !== 'number' || !Number.isFinite(expiresAt)) return undefined;
  if (key.startsWith('user:')) {
    if (typeof notBefore !== 'number' || !Number.isInteger(notBefore)) return undefined;
    return { key, not_before: notBefore, expires_at: expiresAt };
  }
  return { key, expires_at: expiresAt };
}
