import { NODE_PUBLISHABLE_EVENTS, parseRoom } from '@wirefleet/shared/protocol';
import type { Connection } from '../connections/connection.js';

const VIEWER_ROLES = new Set(['viewer', 'operator', 'admin']);

/**
 * Who may do what, exactly as the contract's table says:
 * - `user:<id>`: only that user subscribes; nobody publishes (server events only).
 * - `node:<id>`: that node and any viewer+ subscribe; only that node publishes, and only
 *   `status`, `config.applied` and `command.result`.
 * - `fleet`: viewer+ subscribe; nobody publishes.
 */
export function maySubscribe(connection: Connection, room: string): boolean {
  const parsed = parseRoom(room);
  if (!parsed) return false;
  switch (parsed.kind) {
    case 'fleet':
      return VIEWER_ROLES.has(connection.role);
    case 'user':
      return connection.kind === 'user' && connection.subjectId === parsed.id;
    case 'node':
      return (connection.kind === 'node' && connection.subjectId === parsed.id) || VIEWER_ROLES.has(connection.role);
  }
}

export function mayPublish(connection: Connection, room: string, event: string): boolean {
  const parsed = parseRoom(room);
  return (
    parsed?.kind === 'node' &&
    connection.kind === 'node' &&
    connection.subjectId === parsed.id &&
    (NODE_PUBLISHABLE_EVENTS as readonly string[]).includes(event)
  );
}

/**
 * The room a connection joins on open, without asking: its own, named by its subject
 * (`user:<id>` or `node:<id>`; SUBJECT_PATTERN allows one spelling per id).
 */
export function ownRoom(connection: Connection): string {
  return connection.sub;
}
