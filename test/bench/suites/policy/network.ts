import type { PolicyDocument } from '@wirefleet/shared/schemas';
import type {
  PolicyForward,
  PolicyInputs,
  PolicyMember,
} from '../../../../auth-api/src/fleet/policy/compiler/index.js';

/** The issue's network: 1,000 nodes, 100 devices, 200 rules (and some port forwards). */
export interface NetworkShape {
  nodes: number;
  devices: number;
  rules: number;
  forwards: number;
}

export const ISSUE_SHAPE: NetworkShape = { nodes: 1_000, devices: 100, rules: 200, forwards: 50 };

const SERVICES = 40;
const REGIONS = 8;

/** mulberry32: the same network in every run, so runs compare. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function tunnelAddress(index: number): string {
  return `100.96.${(index >> 8) & 255}.${index & 255}`;
}

/** Node `id`'s tags: one service, one environment, one region; every 50th node is also `ops`. */
function nodeTags(id: number, next: () => number): string[] {
  const tags = [
    `svc-${Math.floor(next() * SERVICES)}`,
    next() < 0.7 ? 'env-prod' : 'env-staging',
    `region-${id % REGIONS}`,
  ];
  return id % 50 === 0 ? [...tags, 'ops'] : tags;
}

function members(shape: NetworkShape, next: () => number): PolicyMember[] {
  const nodes: PolicyMember[] = Array.from({ length: shape.nodes }, (_, i) => ({
    kind: 'node',
    id: i + 1,
    address: tunnelAddress(i + 1),
    tags: nodeTags(i + 1, next),
    homeNodeId: i + 1,
    hasRoutes: (i + 1) % 100 === 0, // 1 % subnet routers and exit nodes
  }));
  const devices: PolicyMember[] = Array.from({ length: shape.devices }, (_, i) => ({
    kind: 'device',
    id: i + 1,
    address: tunnelAddress(shape.nodes + i + 1),
    tags: [`svc-${Math.floor(next() * SERVICES)}`, 'laptop'],
    homeNodeId: 1 + Math.floor(next() * shape.nodes),
    hasRoutes: false,
  }));
  return [...nodes, ...devices];
}

function pick<T>(items: readonly T[], next: () => number): T {
  return items[Math.floor(next() * items.length)]!;
}

/** Mostly service-to-service rules, some by environment, region or single member, and a few wide ones. */
function rule(index: number, shape: NetworkShape, next: () => number): PolicyDocument['rules'][number] {
  const svc = () => `tag:svc-${Math.floor(next() * SERVICES)}`;
  const port = () => `tcp:${pick([22, 80, 443, 5432, 6379, 8080, 9000], next)}`;
  if (index === 0) return { src: ['tag:ops'], dst: ['*'], ports: ['tcp:22', 'icmp'] };
  if (index === 1) return { src: ['*'], dst: ['tag:svc-0'], ports: ['tcp:443'] };
  if (index % 10 === 2) return { src: ['tag:env-prod'], dst: [svc()], ports: [port(), 'icmp'] };
  if (index % 10 === 3)
    return {
      src: [`tag:region-${index % REGIONS}`],
      dst: [`tag:region-${index % REGIONS}`],
      ports: ['udp:8472'],
    };
  if (index % 10 === 4)
    return {
      src: [
        `node:${1 + Math.floor(next() * shape.nodes)}`,
        `device:${1 + Math.floor(next() * shape.devices)}`,
      ],
      dst: [svc()],
      ports: ['tcp:9000-9100'],
    };
  return {
    src: next() < 0.5 ? [svc()] : [svc(), svc()],
    dst: [svc()],
    ports: next() < 0.5 ? [port()] : [port(), port(), 'udp:53'],
  };
}

function forwards(shape: NetworkShape, all: readonly PolicyMember[], next: () => number): PolicyForward[] {
  return Array.from({ length: shape.forwards }, () => ({
    nodeId: 1 + Math.floor(next() * shape.nodes),
    protocol: next() < 0.8 ? ('tcp' as const) : ('udp' as const),
    targetIp: pick(all, next).address,
    targetPort: 1 + Math.floor(next() * 65535),
  }));
}

/** A network of `shape` with a policy over it, the same for the same seed. */
export function makeNetwork(shape: NetworkShape, seed = 14): PolicyInputs {
  const next = random(seed);
  const all = members(shape, next);
  const rules = Array.from({ length: shape.rules }, (_, index) => rule(index, shape, next));
  return { document: { rules, tests: [] }, members: all, forwards: forwards(shape, all, next) };
}

/** `inputs` with node `nodeId`'s service tag replaced: the issue's common single change. */
export function retagNode(inputs: PolicyInputs, nodeId: number, service: number): PolicyInputs {
  const members = inputs.members.map((member) =>
    member.kind === 'node' && member.id === nodeId
      ? { ...member, tags: [`svc-${service}`, ...member.tags.filter((tag) => !tag.startsWith('svc-'))] }
      : member,
  );
  return { ...inputs, members };
}
