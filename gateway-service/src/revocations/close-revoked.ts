import { CloseCode } from '@wirefleet/shared/protocol';
import type { Revocation } from '@wirefleet/shared/revocations';
import type { Connection } from '../connections/connection.js';
import type { ConnectionRegistry } from '../connections/connection-registry.js';

/**
 * Closes this instance's open connections that a new revocation matches: a session's with
 * 4001, a user's older-token connections with 4001, a deleted node's with 4003.
 */
export function closeRevoked(
  entry: Revocation,
  registry: ConnectionRegistry,
  close: (connection: Connection, code: number, reason: string) => void,
): void {
  if (entry.key.startsWith('sid:')) {
    for (const connection of registry.ofSession(entry.key.slice(4))) close(connection, CloseCode.TOKEN_EXPIRED, 'session revoked');
  } else if (entry.key.startsWith('node:')) {
    for (const connection of registry.ofSubject(entry.key)) close(connection, CloseCode.FORBIDDEN, 'node deleted');
  } else {
    const notBefore = entry.not_before ?? Number.POSITIVE_INFINITY;
    for (const connection of registry.ofSubject(entry.key)) {
      if (connection.issuedAt < notBefore) close(connection, CloseCode.TOKEN_EXPIRED, 'access revoked');
    }
  }
}
