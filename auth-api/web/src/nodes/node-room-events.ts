import type { EventFrame } from '@wirefleet/shared/protocol';
import type { FleetNode, PeerStats } from '../api/resources.js';

/** What an event of the room `node:<id>` tells the node page. */
export type NodeRoomChange =
  | { kind: 'status'; patch: Partial<FleetNode>; peers: PeerStats[]; at: number }
  | { kind: 'desired'; revision: number }
  | { kind: 'applied'; revision: number; ok: boolean; error?: string }
  | { kind: 'command-result'; commandId: string }
  | { kind: 'none' };

type Data = Record<string, unknown>;

/** Pure: the room's event (CONTRACT §5 payloads) → the change for the page. */
export function nodeRoomChange(event: EventFrame): NodeRoomChange {
  const data = (event.data ?? {}) as Data;
  switch (event.event) {
    case 'status': {
      const peers = Array.isArray(data.peers) ? (data.peers as PeerStats[]) : [];
      const patch: Partial<FleetNode> = { peers, peer_count: peers.length, online: true, last_seen_at: new Date(event.ts).toISOString() };
      if (typeof data.applied_revision === 'number') patch.applied_revision = data.applied_revision;
      if (typeof data.drift === 'boolean') patch.drift = data.drift;
      if (typeof data.state_digest === 'string') patch.state_digest = data.state_digest;
      return { kind: 'status', patch, peers, at: event.ts / 1000 };
    }
    case 'config.changed':
      return typeof data.revision === 'number' ? { kind: 'desired', revision: data.revision } : { kind: 'none' };
    case 'config.applied':
      if (typeof data.revision !== 'number' || typeof data.ok !== 'boolean') return { kind: 'none' };
      return typeof data.error === 'string'
        ? { kind: 'applied', revision: data.revision, ok: data.ok, error: data.error }
        : { kind: 'applied', revision: data.revision, ok: data.ok };
    case 'command.result':
      return typeof data.command_id === 'string' ? { kind: 'command-result', commandId: data.command_id } : { kind: 'none' };
    default:
      return { kind: 'none' };
  }
}
