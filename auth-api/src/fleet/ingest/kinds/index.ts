import type { IngestKind } from '@wirefleet/shared/ingest';
import type { ApplyRecord } from './context.js';
import { applyNodeCommandResult } from './node-command-result.js';
import { applyNodeConfigApplied } from './node-config-applied.js';
import { applyNodeConnected } from './node-connected.js';
import { applyNodeDisconnected } from './node-disconnected.js';
import { applyNodeStatus } from './node-status.js';

export type { ApplyContext, LockedNode, Outcome } from './context.js';

/** One handler per record kind; a kind added to the wire format fails to compile until handled. */
export const applyByKind: Record<IngestKind, ApplyRecord> = {
  'node.connected': applyNodeConnected,
  'node.disconnected': applyNodeDisconnected,
  'node.status': applyNodeStatus,
  'node.config_applied': applyNodeConfigApplied,
  'node.command_result': applyNodeCommandResult,
};
