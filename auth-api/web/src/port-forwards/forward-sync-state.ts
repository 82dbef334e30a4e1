import type { FleetNode } from '../api/resources.js';

export type ForwardSyncState = { kind: 'applied' } | { kind: 'pending'; waitingFor: number } | { kind: 'error'; error: string };

export interface ApplyFailure {
  revision: number;
  error: string;
}

/**
 * Pure: whether the node runs a forward's latest change. `changedAt` is the node's desired
 * revision right after the change was saved here; without one (changes made elsewhere, or
 * before a reload) the node's current desired revision stands in. The node applies whole
 * configurations, so once its applied revision reaches that number the change is live; a
 * failed apply at or past it is the error to show.
 */
export function forwardSyncState(node: Pick<FleetNode, 'applied_revision' | 'desired_revision'>, changedAt: number | undefined, failure: ApplyFailure | undefined): ForwardSyncState {
  const target = changedAt ?? node.desired_revision;
  if ((node.applied_revision ?? -1) >= target) return { kind: 'applied' };
  if (failure && failure.revision >= target) return { kind: 'error', error: failure.error };
  return { kind: 'pending', waitingFor: target };
}
