import { CloseCode, parseRoom } from '@wirefleet/shared/protocol';
import type { RoomHub } from '../rooms/room-hub.js';
import type { ConnectionRegistry } from './connection-registry.js';
import type { CloseConnection } from './socket-writer.js';

/**
 * Server events that act on connections, wherever they were published: a logout
 * (`session.revoked` in the user's room) closes that session's sockets with 4001, a deleted
 * node (`node.deleted` in its room) loses its connection with 4003.
 */
export function closeOnServerEvents(
  hub: RoomHub,
  registry: ConnectionRegistry,
  close: CloseConnection,
): void {
  hub.observe((event) => {
    const room = parseRoom(event.room);
    if (room?.kind === 'user' && event.event === 'session.revoked') {
      const sid = (event.data as { sid?: unknown } | null)?.sid;
      if (typeof sid !== 'string') return;
      for (const connection of registry.ofSession(sid))
        close(connection, CloseCode.TOKEN_EXPIRED, 'session revoked');
    } else if (room?.kind === 'node' && event.event === 'node.deleted') {
      for (const connection of registry.ofSubject(event.room))
        close(connection, CloseCode.FORBIDDEN, 'node deleted');
    }
  });
}
