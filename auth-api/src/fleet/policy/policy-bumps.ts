import type { Knex } from 'knex';
import type { Network } from '../network/index.js';
import { bumpRevisions } from '../outbox/index.js';
import { affectedNodes } from './compiler/index.js';
import { loadPolicyInputs } from './policy-inputs.js';
import { lockPolicy } from './policy-store.js';

/** What a change made and which nodes it already knows need a new revision ('network': all). */
export interface PolicyAwareChange<T> {
  result: T;
  bump?: number[] | 'network';
}

/**
 * Runs `change` (a member's tags, a port forward) in `trx` and bumps, once, the nodes it
 * names plus exactly the nodes whose compiled peers or filter differ afterwards, so one tag
 * change in a large fleet re-signs only the configs it touches. With no policy in force, tags
 * and forwards decide nothing the compiler outputs.
 *
 * One bump, not two: bumpRevisions locks rows in id order, and a second call would lock a
 * lower id after a higher one, the order that deadlocks against a concurrent bump.
 */
export async function withPolicyBumps<T>(
  trx: Knex.Transaction,
  network: Network,
  change: () => Promise<PolicyAwareChange<T>>,
): Promise<T> {
  await lockPolicy(trx, network.id);
  const before = await loadPolicyInputs(trx, network);
  const { result, bump = [] } = await change();
  if (bump === 'network') {
    await bumpRevisions(trx, { networkId: network.id });
    return result;
  }
  const affected =
    before.document === null ? [] : affectedNodes(before, await loadPolicyInputs(trx, network, before.document));
  await bumpRevisions(trx, { nodeIds: [...new Set([...bump, ...affected])] });
  return result;
}
