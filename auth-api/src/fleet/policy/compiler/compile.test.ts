import { describe, expect, it } from 'vitest';
import { compileAll, compiledKey, compileNode } from './compile.js';
import { DOCS_EXAMPLE, DOCS_MEMBERS, device, inputs, node } from './policy-fixtures.test-suite.js';
import type { CompiledNode } from './types.js';

function peers(compiled: CompiledNode | undefined): number[] | 'all' | undefined {
  if (!compiled) return undefined;
  return compiled.peerNodeIds === 'all' ? 'all' : [...compiled.peerNodeIds].sort((a, b) => a - b);
}

describe('compileAll', () => {
  it('compiles the docs/policy.md example', () => {
    const compiled = compileAll(inputs(DOCS_EXAMPLE, DOCS_MEMBERS));
    const lbToWeb = [
      { from: ['100.96.0.1/32'], proto: 'icmp' },
      {
        from: ['100.96.0.1/32'],
        proto: 'tcp',
        ports: [
          [80, 80],
          [8000, 8100],
        ],
      },
    ];
    expect(compiled.get(2)?.filter?.inbound).toEqual(lbToWeb);
    expect(compiled.get(7)?.filter?.inbound).toEqual(lbToWeb);
    expect(compiled.get(1)?.filter?.inbound).toEqual([]);
    expect(compiled.get(3)?.filter?.inbound).toEqual([
      {
        from: ['100.96.0.1/32', '100.96.0.2/32', '100.96.0.3/32', '100.96.0.7/32'],
        to: ['100.96.1.3/32'],
        proto: 'any',
      },
    ]);
    expect([...compiled.keys()]).toEqual([1, 2, 3, 7]);
    expect(peers(compiled.get(1))).toEqual([2, 3, 7]);
    expect(peers(compiled.get(2))).toEqual([1, 3]);
    expect(peers(compiled.get(3))).toEqual([1, 2, 7]);
    expect(peers(compiled.get(7))).toEqual([1, 3]);
  });

  it('is the full mesh without a document: every node sees all, no filter', () => {
    const compiled = compileAll(inputs(null, [node(2), node(1), device(1, 1)]));
    expect([...compiled.entries()]).toEqual([
      [1, { peerNodeIds: 'all' }],
      [2, { peerNodeIds: 'all' }],
    ]);
  });

  it('denies everything with an empty rule list, keeping only nodes with routes as peers', () => {
    const compiled = compileAll(inputs({ rules: [], tests: [] }, [node(1), node(2), node(3, [], true)]));
    expect(peers(compiled.get(1))).toEqual([3]);
    expect(peers(compiled.get(3))).toEqual('all');
    expect(compiled.get(1)?.filter).toEqual({ inbound: [] });
    expect(compiled.get(3)?.filter).toEqual({ inbound: [] });
  });

  it('merges the ports of rules with the same sources, and lets `*` absorb the other protocols', () => {
    const document = {
      rules: [
        { src: ['tag:x'], dst: ['node:1'], ports: ['tcp:90-100', 'udp:53'] },
        { src: ['node:2', 'node:3'], dst: ['node:1'], ports: ['tcp:80-89', 'tcp:22', 'tcp:95-120'] },
        { src: ['tag:x'], dst: ['node:4'], ports: ['tcp:22', '*'] },
      ],
      tests: [],
    };
    const members = [node(1), node(2, ['x']), node(3, ['x']), node(4)];
    const compiled = compileAll(inputs(document, members));
    expect(compiled.get(1)?.filter?.inbound).toEqual([
      {
        from: ['100.96.0.2/32', '100.96.0.3/32'],
        proto: 'tcp',
        ports: [
          [22, 22],
          [80, 120],
        ],
      },
      { from: ['100.96.0.2/32', '100.96.0.3/32'], proto: 'udp', ports: [[53, 53]] },
    ]);
    expect(compiled.get(4)?.filter?.inbound).toEqual([
      { from: ['100.96.0.2/32', '100.96.0.3/32'], proto: 'any' },
    ]);
  });

  it('leaves the destination out of its own sources, and a rule from a member to itself does nothing', () => {
    const document = { rules: [{ src: ['tag:x'], dst: ['tag:x'], ports: ['icmp'] }], tests: [] };
    const compiled = compileAll(inputs(document, [node(1, ['x']), node(2, ['x']), node(3)]));
    expect(compiled.get(1)?.filter?.inbound).toEqual([{ from: ['100.96.0.2/32'], proto: 'icmp' }]);
    const alone = compileAll(inputs(document, [node(1, ['x']), node(2)]));
    expect(peers(alone.get(1))).toEqual([]);
    expect(alone.get(1)?.filter).toEqual({ inbound: [] });
  });

  it('a rule whose sources match no member admits nothing, and changes no node', () => {
    const used = { rules: [{ src: ['tag:x'], dst: ['*'], ports: ['tcp:80'] }], tests: [] };
    const unused = { ...used, rules: [...used.rules, { src: ['tag:nobody'], dst: ['*'], ports: ['*'] }] };
    const members = [node(1, ['x']), node(2), device(3, 2)];
    const before = compileAll(inputs(used, members));
    const after = compileAll(inputs(unused, members));
    for (const id of [1, 2]) expect(compiledKey(after.get(id)!)).toBe(compiledKey(before.get(id)!));
    for (const compiled of after.values())
      for (const entry of compiled.filter!.inbound) expect(entry.from.length).toBeGreaterThan(0);
  });

  it('filters for devices with `to`, one entry for devices that admit the same', () => {
    const document = { rules: [{ src: ['node:2'], dst: ['tag:cam'], ports: ['udp:554'] }], tests: [] };
    const members = [node(1), node(2), device(5, 1, ['cam']), device(6, 1, ['cam']), device(7, 1)];
    const compiled = compileAll(inputs(document, members));
    expect(compiled.get(1)?.filter?.inbound).toEqual([
      { from: ['100.96.0.2/32'], to: ['100.96.1.5/32', '100.96.1.6/32'], proto: 'udp', ports: [[554, 554]] },
    ]);
    expect(peers(compiled.get(2))).toEqual([1]);
  });

  it('keeps a device out of the entries of its neighbours that admit less', () => {
    const document = {
      rules: [
        { src: ['node:1'], dst: ['*'], ports: ['tcp:1'] },
        { src: ['node:1'], dst: ['device:1'], ports: ['icmp'] },
      ],
      tests: [],
    };
    const compiled = compileAll(inputs(document, [node(1), node(2), device(1, 2), device(2, 2)]));
    expect(compiled.get(2)?.filter?.inbound).toEqual([
      { from: ['100.96.0.1/32'], proto: 'tcp', ports: [[1, 1]] },
      { from: ['100.96.0.1/32'], to: ['100.96.1.1/32'], proto: 'icmp' },
      { from: ['100.96.0.1/32'], to: ['100.96.1.1/32', '100.96.1.2/32'], proto: 'tcp', ports: [[1, 1]] },
    ]);
  });

  it('turns a port forward into an allow from its node to its target, and peers them', () => {
    const forwards = [{ nodeId: 1, protocol: 'tcp' as const, targetIp: '100.96.0.2', targetPort: 8080 }];
    const compiled = compileAll(inputs({ rules: [], tests: [] }, [node(1), node(2), node(3)], forwards));
    expect(compiled.get(2)?.filter?.inbound).toEqual([
      { from: ['100.96.0.1/32'], proto: 'tcp', ports: [[8080, 8080]] },
    ]);
    expect(peers(compiled.get(1))).toEqual([2]);
    expect(peers(compiled.get(2))).toEqual([1]);
    expect(peers(compiled.get(3))).toEqual([]);
  });

  it('splits more than 64 port ranges over several entries', () => {
    const ports = Array.from({ length: 70 }, (_, i) => `tcp:${2 * i + 1}`);
    const compiled = compileAll(
      inputs({ rules: [{ src: ['*'], dst: ['node:1'], ports }], tests: [] }, [node(1), node(2)]),
    );
    const entries = compiled.get(1)?.filter?.inbound ?? [];
    expect(entries.map((entry) => entry.ports?.length)).toEqual([64, 6]);
  });
});

describe('compileNode and compiledKey', () => {
  it('compileNode gives what compileAll gives, node by node', () => {
    const all = compileAll(inputs(DOCS_EXAMPLE, DOCS_MEMBERS));
    for (const [id, compiled] of all)
      expect(compiledKey(compileNode(inputs(DOCS_EXAMPLE, DOCS_MEMBERS), id))).toBe(compiledKey(compiled));
  });

  it('reuses its index for the same inputs, and sees a new member list', () => {
    const list = [...DOCS_MEMBERS];
    const same = inputs(DOCS_EXAMPLE, list);
    expect(compiledKey(compileNode(same, 2))).toBe(compiledKey(compileNode(same, 2)));
    const grown = { ...same, members: [...DOCS_MEMBERS, node(8, ['lb'])] };
    expect(peers(compileNode(grown, 2))).toEqual([1, 3, 8]);
    list.push(node(9, ['lb'])); // a caller that grows its list in place is not served the old index
    expect(peers(compileNode(same, 2))).toEqual([1, 3, 9]);
  });

  it('gives an unknown node nothing but the nodes with routes', () => {
    const document = { rules: DOCS_EXAMPLE.rules.slice(0, 1), tests: [] };
    const compiled = compileNode(inputs(document, [...DOCS_MEMBERS, node(9, [], true)]), 42);
    expect(peers(compiled)).toEqual([9]);
    expect(compiled.filter).toEqual({ inbound: [] });
  });

  it('keys are the same for the same inputs in any order, and differ when a filter does', () => {
    const shuffled = inputs(
      { ...DOCS_EXAMPLE, rules: [...DOCS_EXAMPLE.rules].reverse() },
      [...DOCS_MEMBERS].reverse(),
    );
    const a = compileAll(inputs(DOCS_EXAMPLE, DOCS_MEMBERS));
    const b = compileAll(shuffled);
    for (const [id, compiled] of a) expect(compiledKey(b.get(id)!)).toBe(compiledKey(compiled));
    expect(compiledKey(a.get(2)!)).toBe(compiledKey(a.get(7)!)); // same peers, same filter
    expect(compiledKey(a.get(1)!)).not.toBe(compiledKey(a.get(2)!));
    const fewerPeers = { ...a.get(2)!, peerNodeIds: new Set([1]) };
    expect(compiledKey(fewerPeers)).not.toBe(compiledKey(a.get(2)!));
  });
});
