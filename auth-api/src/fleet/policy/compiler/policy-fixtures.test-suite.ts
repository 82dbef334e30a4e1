import type { FilterEntry } from '@wirefleet/shared/protocol';
import type { PolicyDocument } from '@wirefleet/shared/schemas';
import fc from 'fast-check';
import type { PolicyForward, PolicyInputs, PolicyMember } from './types.js';

/** Node `id` at 100.96.0.<id>. */
export function node(id: number, tags: string[] = [], hasRoutes = false): PolicyMember {
  return { kind: 'node', id, address: `100.96.0.${id}`, tags, homeNodeId: id, hasRoutes };
}

/** Device `id` at 100.96.1.<id>, attached to node `home`. */
export function device(id: number, home: number, tags: string[] = []): PolicyMember {
  return { kind: 'device', id, address: `100.96.1.${id}`, tags, homeNodeId: home, hasRoutes: false };
}

export function inputs(
  document: PolicyDocument | null,
  members: PolicyMember[],
  forwards: PolicyForward[] = [],
): PolicyInputs {
  return { document, members, forwards };
}

/** The document of docs/policy.md. */
export const DOCS_EXAMPLE: PolicyDocument = {
  rules: [
    {
      src: ['tag:lb'],
      dst: ['tag:web', 'node:7'],
      ports: ['tcp:80', 'tcp:8000-8100', 'icmp'],
      description: 'load balancers reach the web tier',
    },
    { src: ['*'], dst: ['device:3'], ports: ['*'] },
  ],
  tests: [
    { src: 'node:1', dst: 'node:2', port: 'tcp:80', expect: 'allow' },
    { src: 'node:3', dst: 'node:2', port: 'tcp:22', expect: 'deny' },
  ],
};

/** Members for DOCS_EXAMPLE: a load balancer (1), a web node (2), an untagged node (3) with device 3, and node 7. */
export const DOCS_MEMBERS: PolicyMember[] = [
  node(1, ['lb']),
  node(2, ['web']),
  node(3),
  node(7),
  device(3, 3),
];

/** Does `entries` admit `from` → `to` (undefined: the node itself) on the probe? Mirrors the agent's nft rules. */
export function filterAdmits(
  entries: readonly FilterEntry[],
  from: string,
  to: string | undefined,
  probe: { proto: 'tcp' | 'udp' | 'icmp'; port: number },
): boolean {
  return entries.some(
    (entry) =>
      entry.from.includes(`${from}/32`) &&
      (to === undefined ? entry.to === undefined : (entry.to?.includes(`${to}/32`) ?? false)) &&
      (entry.proto === 'any' || entry.proto === probe.proto) &&
      (entry.ports === undefined ||
        entry.ports.some(([low, high]) => probe.port >= low && probe.port <= high)),
  );
}

const TAGS = ['a', 'b', 'c'];
const tagList = fc.subarray(TAGS);
const portSpec = fc.oneof(
  fc.constantFrom('*', 'icmp'),
  fc
    .tuple(fc.constantFrom('tcp', 'udp'), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 3 }))
    .map(([proto, low, width]) => (width === 0 ? `${proto}:${low}` : `${proto}:${low}-${low + width}`)),
);

function selector(nodes: number, devices: number): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constant('*'),
    fc.constantFrom('tag:a', 'tag:b', 'tag:c', 'tag:unused'),
    fc.integer({ min: 1, max: nodes + 1 }).map((id) => `node:${id}`),
    fc.integer({ min: 1, max: devices + 1 }).map((id) => `device:${id}`),
  );
}

/** Small random networks: nodes (some with routes), devices, forwards, and policies over them. */
export const randomInputs: fc.Arbitrary<PolicyInputs> = fc
  .tuple(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 0, max: 5 }))
  .chain(([nodeCount, deviceCount]) => {
    const nodes = fc.tuple(
      ...Array.from({ length: nodeCount }, (_, i) =>
        fc.tuple(tagList, fc.nat(5)).map(([tags, routes]) => node(i + 1, tags, routes === 0)),
      ),
    );
    const devices = fc.array(fc.tuple(fc.integer({ min: 1, max: nodeCount }), tagList), {
      minLength: deviceCount,
      maxLength: deviceCount,
    });
    const sel = selector(nodeCount, deviceCount);
    const rule = fc.record({
      src: fc.array(sel, { minLength: 1, maxLength: 3 }),
      dst: fc.array(sel, { minLength: 1, maxLength: 3 }),
      ports: fc.array(portSpec, { minLength: 1, maxLength: 3 }),
    });
    const document = fc.option(
      fc.record({ rules: fc.array(rule, { maxLength: 6 }), tests: fc.constant<PolicyDocument['tests']>([]) }),
      {
        freq: 8,
      },
    );
    const forward = fc.record({
      nodeId: fc.integer({ min: 1, max: nodeCount }),
      protocol: fc.constantFrom('tcp' as const, 'udp' as const),
      targetIp: fc.oneof(
        fc.integer({ min: 1, max: nodeCount + 1 }).map((id) => `100.96.0.${id}`),
        fc.integer({ min: 1, max: deviceCount + 1 }).map((id) => `100.96.1.${id}`),
      ),
      targetPort: fc.integer({ min: 1, max: 8 }),
    });
    return fc.record({
      document,
      members: fc
        .tuple(nodes, devices)
        .map(([n, d]) => [...n, ...d.map(([home, tags], i) => device(i + 1, home, tags))]),
      forwards: fc.array(forward, { maxLength: 3 }),
    });
  });

export const probePort = fc.oneof(
  fc.constant('icmp'),
  fc
    .tuple(fc.constantFrom('tcp', 'udp'), fc.integer({ min: 1, max: 12 }))
    .map(([proto, port]) => `${proto}:${port}`),
);
