import { createHash, randomBytes } from 'node:crypto';

/** Opaque refresh tokens: a recognisable prefix plus 256 random bits. */
const PREFIX = 'wfr_';

export function newRefreshToken(): { token: string; hash: Buffer } {
  const token = PREFIX + randomBytes(32).toString('base64url');
  return { token, hash: hashRefreshToken(token) };
}

/** Only this hash is stored; the token itself exists only in the client's hands. */
export function hashRefreshToken(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
