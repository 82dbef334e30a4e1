import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkAccess } from './check.js';
import { compileAll, compiledKey, compileNode } from './compile.js';
import { parseProbe } from './ports.js';
import { filterAdmits, probePort, randomInputs } from './policy-fixtures.test-suite.js';
import type { CompiledNode, PolicyMember } from './types.js';

function peersWith(compiled: CompiledNode | undefined, nodeId: number): boolean {
  if (!compiled) return false;
  return compiled.peerNodeIds === 'all' || compiled.peerNodeIds.has(nodeId);
}

const ref = (member: PolicyMember) => `${member.kind}:${member.id}`;

describe('the compiled nodes agree with checkAccess', () => {
  it('allow ⇔ the enforcing filter admits it and the two home nodes are peers (or the same)', () => {
    fc.assert(
      fc.property(randomInputs, fc.nat(), fc.nat(), probePort, (inputs, i, j, port) => {
        const a = inputs.members[i % inputs.members.length]!;
        const b = inputs.members[j % inputs.members.length]!;
        fc.pre(a !== b);
        const compiled = compileAll(inputs);
        const enforcing = compiled.get(b.homeNodeId)!;
        const probe = parseProbe(port)!;
        const to = b.kind === 'device' ? b.address : undefined;
        const admits = !enforcing.filter || filterAdmits(enforcing.filter.inbound, a.address, to, probe);
        const connected =
          a.homeNodeId === b.homeNodeId ||
          (peersWith(compiled.get(a.homeNodeId), b.homeNodeId) &&
            peersWith(compiled.get(b.homeNodeId), a.homeNodeId));
        expect(checkAccess(inputs, ref(a), ref(b), port)?.allow).toBe(admits && connected);
      }),
      { numRuns: 2_000 },
    );
  }, 60_000);

  it('compileNode gives each node what compileAll gives it', () => {
    fc.assert(
      fc.property(randomInputs, (inputs) => {
        for (const [id, compiled] of compileAll(inputs))
          expect(compiledKey(compileNode(inputs, id))).toBe(compiledKey(compiled));
      }),
      { numRuns: 500 },
    );
  }, 60_000);

  it('the order of members, rules and forwards changes nothing', () => {
    fc.assert(
      fc.property(randomInputs, (inputs) => {
        const reversed = {
          document: inputs.document && { ...inputs.document, rules: [...inputs.document.rules].reverse() },
          members: [...inputs.members].reverse(),
          forwards: [...inputs.forwards].reverse(),
        };
        const keys = (map: Map<number, CompiledNode>) =>
          [...map].map(([id, node]) => `${id} ${compiledKey(node)}`);
        expect(keys(compileAll(reversed))).toEqual(keys(compileAll(inputs)));
      }),
      { numRuns: 500 },
    );
  }, 60_000);
});
