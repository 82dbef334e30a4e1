import { nodeConfigSchema } from '@wirefleet/shared/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigChecker } from './config-check.js';

const key = fc
  .uint8Array({ minLength: 32, maxLength: 32 })
  .map((bytes) => Buffer.from(bytes).toString('base64'));
const cidr = fc.constantFrom('100.96.0.2/32', '10.0.0.0/8', 'fd00::/64', '::/0', '1.2.3.4/999', 'ABCD:./1');
const port = fc.constantFrom(1, 80, 65535);

/** Valid configs, boundary values included. */
const peer = fc.record(
  {
    public_key: key,
    allowed_ips: fc.array(cidr, { maxLength: 3 }),
    endpoint: fc.constantFrom('198.51.100.1:51820', 'vpn.example.com:1', '', 'x'.repeat(300)),
    persistent_keepalive: fc.constantFrom(0, 25, 65535),
  },
  { requiredKeys: ['public_key', 'allowed_ips'] },
);
const forward = fc.record({
  protocol: fc.constantFrom('tcp', 'udp'),
  public_port: port,
  target_ip: fc.constantFrom('100.96.0.2', 'x'.repeat(45), ''),
  target_port: port,
});
const filterEntry = fc.record(
  {
    from: fc.array(cidr, { minLength: 1, maxLength: 3 }),
    to: fc.array(cidr, { minLength: 1, maxLength: 2 }),
    proto: fc.constantFrom('tcp', 'udp', 'icmp', 'any'),
    ports: fc.array(fc.tuple(port, port), { minLength: 1, maxLength: 3 }),
  },
  { requiredKeys: ['from', 'proto'] },
);
const config = fc.record(
  {
    node_id: fc.constantFrom(1, 7, Number.MAX_SAFE_INTEGER),
    revision: fc.constantFrom(0, 3, Number.MAX_SAFE_INTEGER),
    issued_at: fc.constantFrom('2026-11-23T00:00:00.000Z', ''),
    interface: fc.record({ address: cidr, listen_port: port }),
    peers: fc.array(peer, { maxLength: 5 }),
    port_forwards: fc.array(forward, { maxLength: 2 }),
    masquerade: fc.boolean(),
    filter: fc.record({ inbound: fc.array(filterEntry, { maxLength: 3 }) }),
    agent_update: fc.record({
      version: fc.constantFrom('0.2.0', '1.0.0-rc.1', '1.0', '', `1.0.${'0'.repeat(70)}`),
      sha256: fc.constantFrom('a'.repeat(64), 'A'.repeat(64), 'a'.repeat(63)),
      bytes: fc.constantFrom(1, 0, 0.5, 256 * 1024 * 1024 + 1),
      url: fc.constantFrom(
        '/v1/agent/releases/0.2.0/wirefleet-agent.mjs',
        '//evil.example/x',
        'https://x/v1/a',
      ),
    }),
  },
  { requiredKeys: ['node_id', 'revision', 'issued_at', 'interface', 'peers', 'port_forwards', 'masquerade'] },
);

/** For each field, values on either side of its rules (and of other types); `DELETE` removes it. */
const DELETE = Symbol('delete');
const NOT_INTEGERS = [0.5, 2 ** 53, Number.MAX_SAFE_INTEGER + 2, '80', null, true, [], {}];
const NEAR_MISSES: Record<string, unknown[]> = {
  node_id: [0, -1, ...NOT_INTEGERS, DELETE],
  revision: [-1, ...NOT_INTEGERS, DELETE],
  issued_at: [3, null, DELETE],
  interface: [[], 'wf0', null, DELETE],
  address: ['10.0.0.0', '10.0.0.0/1234', '10.0.0.0/8 ', 'x/8', '/8', 8, DELETE],
  listen_port: [0, 65536, ...NOT_INTEGERS, DELETE],
  peers: [{}, null, 'peers', DELETE],
  port_forwards: [{}, null, DELETE],
  masquerade: ['true', 0, null, DELETE],
  public_key: ['', 'x\n[Peer]', `${'A'.repeat(43)}B`, `${'A'.repeat(42)}A==`, 7, DELETE],
  allowed_ips: [
    [],
    ['10.0.0.0/8'],
    {},
    'a',
    null,
    ['10.0.0.0'],
    ['10.0.0.0/8', 12],
    Array(1025).fill('10.0.0.0/8'),
    DELETE,
  ],
  endpoint: ['vpn.example.com:2', 'x'.repeat(301), 7, null, DELETE],
  persistent_keepalive: [1, -1, 65536, ...NOT_INTEGERS, DELETE],
  protocol: ['TCP', 'sctp', '', DELETE],
  public_port: [0, 65536, ...NOT_INTEGERS, DELETE],
  target_ip: ['x'.repeat(46), 4, DELETE],
  target_port: [0, 65536, ...NOT_INTEGERS, DELETE],
  filter: [null, [], {}, { inbound: null }, 'x', DELETE],
  inbound: [null, {}, [null], [{}], 'x', DELETE],
  from: [[], ['10.0.0.0'], ['10.0.0.0/8', 7], 'x', null, DELETE],
  to: [[], ['x'], null, Array(10_001).fill('10.0.0.0/8'), DELETE],
  proto: ['TCP', 'sctp', null, DELETE],
  ports: [
    [],
    [[80]],
    [[80, 80, 80]],
    [[0, 1]],
    [['80', 80]],
    [[1, 2.5]],
    null,
    Array(65).fill([1, 2]),
    DELETE,
  ],
  unknown: ['an unknown key is stripped'],
};
const nearMiss = (field: string) => fc.constantFrom(...NEAR_MISSES[field]!);

type Patch = {
  where: 'config' | 'interface' | 'peer' | 'forward' | 'filter' | 'entry';
  index: number;
  field: string;
  value: unknown;
};

const patch: fc.Arbitrary<Patch> = fc.oneof(
  ...[
    'node_id',
    'revision',
    'issued_at',
    'interface',
    'peers',
    'port_forwards',
    'masquerade',
    'filter',
    'unknown',
  ].map((field) => nearMiss(field).map((value): Patch => ({ where: 'config', index: 0, field, value }))),
  ...['address', 'listen_port'].map((field) =>
    nearMiss(field).map((value): Patch => ({ where: 'interface', index: 0, field, value })),
  ),
  ...['public_key', 'allowed_ips', 'endpoint', 'persistent_keepalive', 'unknown'].map((field) =>
    fc
      .tuple(fc.nat(), nearMiss(field))
      .map(([index, value]): Patch => ({ where: 'peer', index, field, value })),
  ),
  ...['protocol', 'public_port', 'target_ip', 'target_port', 'unknown'].map((field) =>
    fc
      .tuple(fc.nat(), nearMiss(field))
      .map(([index, value]): Patch => ({ where: 'forward', index, field, value })),
  ),
  ...['inbound', 'unknown'].map((field) =>
    nearMiss(field).map((value): Patch => ({ where: 'filter', index: 0, field, value })),
  ),
  ...['from', 'to', 'proto', 'ports', 'unknown'].map((field) =>
    fc
      .tuple(fc.nat(), nearMiss(field))
      .map(([index, value]): Patch => ({ where: 'entry', index, field, value })),
  ),
);

function applyPatch(payload: Record<string, unknown>, { where, index, field, value }: Patch): void {
  const pick = (list: unknown) => (Array.isArray(list) ? list[index % Math.max(1, list.length)] : undefined);
  const filter = payload.filter as { inbound?: unknown } | undefined;
  const lists = { peer: payload.peers, forward: payload.port_forwards, entry: filter?.inbound };
  const target: unknown =
    where === 'config'
      ? payload
      : where === 'interface'
        ? payload.interface
        : where === 'filter'
          ? filter
          : pick(lists[where]);
  if (typeof target !== 'object' || target === null) return;
  if (value === DELETE) delete (target as Record<string, unknown>)[field];
  else (target as Record<string, unknown>)[field] = value;
}

/** A valid config with up to two near misses applied: about half of them valid. */
const payload = fc.tuple(config, fc.array(patch, { maxLength: 2 })).map(([valid, patches]) => {
  const copy = structuredClone(valid) as Record<string, unknown>;
  for (const one of patches) applyPatch(copy, one);
  return copy;
});

/** The schema's verdict as the checker must give it: the parsed config, or undefined. */
function schemaVerdict(payload: unknown): unknown {
  const parsed = nodeConfigSchema.safeParse(payload);
  return parsed.success ? parsed.data : undefined;
}

describe('ConfigChecker (nodeConfigSchema without zod)', () => {
  it('agrees with nodeConfigSchema on every payload: same verdict, same output', () => {
    fc.assert(
      fc.property(payload, (value) => {
        expect(new ConfigChecker().check(value)).toEqual(schemaVerdict(value));
      }),
      { numRuns: 3000 },
    );
  });

  it('still agrees after remembering earlier configs (peers compared by position)', () => {
    // A valid config, then variants of it: each peer kept, given one near miss, or replaced.
    const step = fc.array(fc.oneof(fc.constant('keep' as const), patch, peer), { maxLength: 6 });
    fc.assert(
      fc.property(config, fc.array(step, { maxLength: 4 }), (first, steps) => {
        const checker = new ConfigChecker();
        expect(checker.check(first)).toEqual(schemaVerdict(first));
        let peers: unknown[] = first.peers;
        for (const edits of steps) {
          // Fresh copies, as JSON.parse of the next config gives them.
          peers = structuredClone(peers).map((value, i) => {
            const edit = edits[i] ?? 'keep';
            if (edit === 'keep') return value;
            if (!('where' in edit)) return edit;
            if (typeof value === 'object' && value !== null)
              applyPatch({ peers: [value] }, { ...edit, where: 'peer', index: 0 });
            return value;
          });
          const next = { ...structuredClone(first), peers };
          expect(checker.check(next)).toEqual(schemaVerdict(next));
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('passes unchanged peers on as the same frozen objects, and only those', () => {
    const checker = new ConfigChecker();
    const payload = (peers: object[]) => ({
      node_id: 1,
      revision: 1,
      issued_at: 'now',
      interface: { address: '100.96.0.1/16', listen_port: 51820 },
      peers,
      port_forwards: [],
      masquerade: false,
    });
    const a = { public_key: Buffer.alloc(32, 1).toString('base64'), allowed_ips: ['100.96.0.2/32'] };
    const b = { public_key: Buffer.alloc(32, 2).toString('base64'), allowed_ips: ['100.96.0.3/32'] };
    const first = checker.check(payload([a, b]))!;
    expect(Object.isFrozen(first.peers[0])).toBe(true);
    expect(Object.isFrozen(first.peers[0]!.allowed_ips)).toBe(true);
    const second = checker.check(payload([structuredClone(a), { ...b, endpoint: '198.51.100.1:1' }]))!;
    expect(second.peers[0]).toBe(first.peers[0]);
    expect(second.peers[1]).not.toBe(first.peers[1]);
    // A refused config is not remembered: an invalid peer never becomes a reference.
    expect(checker.check(payload([{ ...a, public_key: 'x\n[Peer]' }]))).toBeUndefined();
    expect(checker.check(payload([structuredClone(a)]))!.peers[0]).toBe(first.peers[0]);
  });
});
