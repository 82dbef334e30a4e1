import { affectedByFastPath } from './affected-fast.js';
import { compileAll, compiledKey } from './compile.js';
import type { PolicyInputs } from './types.js';

/**
 * Node ids whose compiled node differs between `before` and `after`, ascending. A node present
 * on one side only counts as affected (a new node needs its first config; a deleted one is
 * the caller's to skip). Decided from what changed when it can be (affected-fast.ts), by
 * compiling both sides otherwise; the two agree (affected.test.ts).
 */
export function affectedNodes(before: PolicyInputs, after: PolicyInputs): number[] {
  return affectedByFastPath(before, after) ?? affectedBySlowPath(before, after);
}

/** Compile both sides whole and compare every node's key: obviously right, and the fast path's reference. */
export function affectedBySlowPath(before: PolicyInputs, after: PolicyInputs): number[] {
  const old = compileAll(before);
  const fresh = compileAll(after);
  const ids = new Set([...old.keys(), ...fresh.keys()]);
  return [...ids]
    .filter((id) => {
      const a = old.get(id);
      const b = fresh.get(id);
      return !a || !b || compiledKey(a) !== compiledKey(b);
    })
    .sort((a, b) => a - b);
}
