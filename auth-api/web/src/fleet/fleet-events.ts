import type { EventFrame } from '@wirefleet/shared/protocol';
import type { FleetNode } from '../api/resources.js';

/** What a `fleet` room event means for the overview's table. */
export type FleetChange =
  | { kind: 'patch'; nodeId: number; patch: Partial<FleetNode> }
  | { kind: 'remove'; nodeId: number }
  /** A node the table does not know yet (enrolled), or whose desired state moved: read it again. */
  | { kind: 'reload'; nodeId: number }
  | { kind: 'command'; commandId: string; nodeId: number; status: string }
  | { kind: 'none' };

type Data = Record<string, unknown>;
const num = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);

/**
 * Pure: one `fleet` event → the change to apply. Payloads are those of CONTRACT §5 (`node.status`
 * carries the peer count, `node.config_applied` the revision and outcome); unknown events change
 * nothing, so a newer server never breaks an older page.
 */
export function fleetChange(event: EventFrame): FleetChange {
  const data = (event.data ?? {}) as Data;
  const nodeId = num(data.node_id);
  if (nodeId === undefined) return { kind: 'none' };
  const seenAt = new Date(event.ts).toISOString();
  switch (event.event) {
    case 'node.enrolled':
      return { kind: 'reload', nodeId };
    case 'node.online':
      return { kind: 'patch', nodeId, patch: { online: true, last_seen_at: seenAt } };
    case 'node.offline':
      return { kind: 'patch', nodeId, patch: { online: false } };
    case 'node.status':
      return { kind: 'patch', nodeId, patch: statusPatch(data, seenAt) };
    case 'node.config_changed': {
      const desired = num(data.desired_revision);
      return desired === undefined ? { kind: 'none' } : { kind: 'patch', nodeId, patch: { desired_revision: desired } };
    }
    case 'node.config_applied':
      // The applied revision may now be ahead of the desired one the table knows: read it again.
      return data.ok === true ? { kind: 'reload', nodeId } : { kind: 'patch', nodeId, patch: failedApply(data) };
    case 'node.deleted':
      return { kind: 'remove', nodeId };
    case 'command.updated':
      return typeof data.id === 'string' && typeof data.status === 'string'
        ? { kind: 'command', commandId: data.id, nodeId, status: data.status }
        : { kind: 'none' };
    default:
      return { kind: 'none' };
  }
}

function statusPatch(data: Data, seenAt: string): Partial<FleetNode> {
  const patch: Partial<FleetNode> = { online: true, last_seen_at: seenAt };
  const applied = num(data.applied_revision);
  if (applied !== undefined) patch.applied_revision = applied;
  if (typeof data.drift === 'boolean') patch.drift = data.drift;
  const peers = num(data.peers);
  if (peers !== undefined) patch.peer_count = peers;
  return patch;
}

function failedApply(data: Data): Partial<FleetNode> {
  return { last_error: typeof data.error === 'string' ? data.error : 'the node could not apply its configuration' };
}
