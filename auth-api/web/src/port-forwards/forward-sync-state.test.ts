import { describe, expect, it } from 'vitest';
import { forwardSyncState } from './forward-sync-state.js';

describe('forwardSyncState', () => {
  it('is pending until the applied revision reaches the revision of the change, then applied', () => {
    expect(forwardSyncState({ applied_revision: 4, desired_revision: 5 }, 5, undefined)).toEqual({ kind: 'pending', waitingFor: 5 });
    expect(forwardSyncState({ applied_revision: 5, desired_revision: 5 }, 5, undefined)).toEqual({ kind: 'applied' });
    expect(forwardSyncState({ applied_revision: 7, desired_revision: 7 }, 5, undefined)).toEqual({ kind: 'applied' });
  });

  it('shows the apply error of that revision or a later one, not of an older one', () => {
    expect(forwardSyncState({ applied_revision: 4, desired_revision: 5 }, 5, { revision: 5, error: 'nft: bad' })).toEqual({ kind: 'error', error: 'nft: bad' });
    expect(forwardSyncState({ applied_revision: 3, desired_revision: 5 }, 5, { revision: 4, error: 'old' })).toEqual({ kind: 'pending', waitingFor: 5 });
  });

  it('without a change made here, the node’s desired revision is the target; a node that never applied is pending', () => {
    expect(forwardSyncState({ applied_revision: null, desired_revision: 1 }, undefined, undefined)).toEqual({ kind: 'pending', waitingFor: 1 });
  });
});
