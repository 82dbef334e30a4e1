import type { PolicyIndex } from './policy-index.js';
import type { PolicyInputs } from './types.js';

interface Entry {
  seen: Pick<PolicyInputs, 'document' | 'members' | 'forwards'>;
  lengths: [number, number];
  index: PolicyIndex;
}

/**
 * The index of each inputs object, for as long as the object lives. After a change the API asks
 * `affectedNodes(before, after)` and then `compileNode(after, id)` for every affected node, and
 * the next change's `before` is this one's `after`: the same objects again and again, and their
 * index (members sorted and hashed, rule sets resolved) is most of each call's work. Inputs are
 * values: an entry is not used if the object's document, member or forward list was replaced
 * or has grown since.
 */
const indexes = new WeakMap<PolicyInputs, Entry>();

export function cachedIndex(inputs: PolicyInputs, build: () => PolicyIndex): PolicyIndex {
  const cached = indexes.get(inputs);
  const { document, members, forwards } = inputs;
  if (
    cached &&
    cached.seen.document === document &&
    cached.seen.members === members &&
    cached.seen.forwards === forwards &&
    cached.lengths[0] === members.length &&
    cached.lengths[1] === forwards.length
  )
    return cached.index;
  const index = build();
  indexes.set(inputs, {
    seen: { document, members, forwards },
    lengths: [members.length, forwards.length],
    index,
  });
  return index;
}
