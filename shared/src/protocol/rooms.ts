/**
 * Room names: `fleet`, `user:<id>`, `node:<id>`. Anything else is not a room clients can
 * name (the gateway answers `forbidden`).
 */
export type RoomName = 'fleet' | `user:${number}` | `node:${number}`;

export type ParsedRoom = { kind: 'fleet' } | { kind: 'user'; id: number } | { kind: 'node'; id: number };

const ROOM_PATTERN = /^(?:fleet|(user|node):([1-9][0-9]{0,15}))$/;

export function parseRoom(room: string): ParsedRoom | undefined {
  const match = ROOM_PATTERN.exec(room);
  if (!match) return undefined;
  if (!match[1]) return { kind: 'fleet' };
  return { kind: match[1] as 'user' | 'node', id: Number(match[2]) };
}

export const FLEET_ROOM = 'fleet';
export const userRoom = (id: number): RoomName => `user:${id}`;
export const nodeRoom = (id: number): RoomName => `node:${id}`;

/** Events a node may publish to its own room. */
export const NODE_PUBLISHABLE_EVENTS = ['status', 'config.applied', 'command.result'] as const;
export type NodePublishableEvent = (typeof NODE_PUBLISHABLE_EVENTS)[number];
