import type { PolicyDocument } from '@wirefleet/shared/schemas';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { affectedBySlowPath, affectedNodes } from './affected.js';
import { affectedByFastPath } from './affected-fast.js';
import {
  DOCS_EXAMPLE,
  DOCS_MEMBERS,
  device,
  inputs,
  node,
  randomInputs,
} from './policy-fixtures.test-suite.js';
import type { PolicyInputs, PolicyMember } from './types.js';

const TAG_SETS = [[], ['a'], ['b'], ['a', 'b'], ['c']];

/** One of the everyday changes: retag, rule added or removed, forward, device moved, member added, removed or readdressed. */
function mutation(before: PolicyInputs): fc.Arbitrary<PolicyInputs> {
  const pickMember = fc.nat(before.members.length - 1);
  const nodes = before.members.filter((member) => member.kind === 'node');
  const document = before.document ?? { rules: [], tests: [] };
  const replace = (at: number, member: PolicyMember | undefined) =>
    before.members.flatMap((old, i) => (i === at ? (member ? [member] : []) : [old]));
  return fc.oneof(
    fc
      .tuple(pickMember, fc.constantFrom(...TAG_SETS))
      .map(([at, tags]) => ({ ...before, members: replace(at, { ...before.members[at]!, tags }) })),
    fc.tuple(fc.nat(nodes.length - 1), fc.constantFrom(...TAG_SETS)).map(([at, tags]) => ({
      ...before,
      members: [...before.members, device(90 + at, nodes[at]!.id, tags)],
    })),
    fc.tuple(pickMember, fc.nat(nodes.length - 1)).map(([at, home]) => {
      const member = before.members[at]!;
      return member.kind === 'device'
        ? { ...before, members: replace(at, { ...member, homeNodeId: nodes[home]!.id }) }
        : before;
    }),
    pickMember.map((at) => ({
      ...before,
      members: replace(at, { ...before.members[at]!, address: `100.97.0.${at}` }),
    })),
    pickMember.map((at) => ({ ...before, members: replace(at, undefined) })),
    fc.nat(document.rules.length).map((at) => ({
      ...before,
      document: { ...document, rules: document.rules.filter((_, i) => i !== at) },
    })),
    randomInputs.map((other) => ({
      ...before,
      document: { ...document, rules: [...document.rules, ...(other.document?.rules ?? []).slice(0, 1)] },
    })),
    randomInputs.map((other) => ({ ...before, forwards: other.forwards })),
  );
}

describe('affectedNodes', () => {
  it('names the nodes whose peers or filter change, for the docs/policy.md example', () => {
    const before = inputs(DOCS_EXAMPLE, DOCS_MEMBERS);
    const retagged = DOCS_MEMBERS.map((member) =>
      member.id === 3 && member.kind === 'node' ? node(3, ['lb']) : member,
    );
    // node 3 becomes a load balancer: 2's and 7's filters now admit it; 3 already peered with both.
    expect(affectedNodes(before, inputs(DOCS_EXAMPLE, retagged))).toEqual([2, 7]);
    const rule = { src: ['node:2'], dst: ['node:1'], ports: ['udp:53'] };
    const added: PolicyDocument = { ...DOCS_EXAMPLE, rules: [...DOCS_EXAMPLE.rules, rule] };
    // 1 and 2 already peer: only 1's filter changes.
    expect(affectedNodes(before, inputs(added, DOCS_MEMBERS))).toEqual([1]);
    expect(affectedNodes(before, before)).toEqual([]);
    expect(affectedNodes(before, inputs(null, DOCS_MEMBERS))).toEqual([1, 2, 3, 7]);
  });

  it('the fast path equals compiling both sides, for everyday changes', () => {
    const change = randomInputs.chain((before) => fc.tuple(fc.constant(before), mutation(before)));
    fc.assert(
      fc.property(change, ([before, after]) => {
        const fast = affectedByFastPath(before, after);
        const routers = (side: PolicyInputs) =>
          side.members
            .filter((m) => m.hasRoutes)
            .map((m) => m.id)
            .join();
        if (before.document && routers(before) === routers(after)) expect(fast).toBeDefined();
        if (fast) expect(fast).toEqual(affectedBySlowPath(before, after));
        // The lookups for big changes (every rule resolved up front) answer the same.
        expect(affectedByFastPath(before, after, 0)).toEqual(fast);
      }),
      { numRuns: 3_000 },
    );
  }, 60_000);

  it('the fast path equals compiling both sides, for unrelated inputs', () => {
    fc.assert(
      fc.property(randomInputs, randomInputs, (before, after) => {
        expect(affectedNodes(before, after)).toEqual(affectedBySlowPath(before, after));
      }),
      { numRuns: 1_000 },
    );
  }, 60_000);
});
