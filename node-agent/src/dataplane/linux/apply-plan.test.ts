import { describe, expect, it } from 'vitest';
import type { DesiredPeer } from '../dataplane.js';
import {
  type AppliedHost,
  type HostStep,
  type InterfaceModel,
  interfaceModel,
  planApply,
} from './apply-plan.js';
import type { ApplyTarget } from './apply-target.js';
import { EXIT_FWMARK } from './exit-routing.js';
import { normalizePeers, PeerNormalizer, PeerSet } from './peer-diff.js';

const b64 = (n: number) => Buffer.alloc(32, n).toString('base64');
const KEY = b64(1);
const SCRIPT = 'table inet wirefleet {}\n';
const peer = (n: number, keepalive = 0): DesiredPeer => ({
  publicKey: b64(n),
  allowedIps: [`100.96.0.${n}/32`],
  persistentKeepalive: keepalive,
});
const peerSet = (...peers: DesiredPeer[]) => PeerSet.fromMap(normalizePeers(peers));

function target(overrides: Partial<ApplyTarget> = {}): ApplyTarget {
  return {
    privateKey: KEY,
    address: '100.96.0.1/16',
    listenPort: 51820,
    peers: peerSet(peer(2)),
    routes: ['10.9.0.0/24'],
    exitRoutes: [],
    nftScript: SCRIPT,
    firewall: { forwards: [], masquerade: true, listenPort: 51820, exitRouting: false, filter: undefined },
    forwarding: true,
    ...overrides,
  };
}

/** The host as `target()` leaves it. */
function applied(overrides: Partial<AppliedHost> = {}): AppliedHost {
  return {
    address: '100.96.0.1/16',
    routes: new Set(['10.9.0.0/24']),
    exitRoutes: [],
    exitRoutingComplete: true,
    nftScript: SCRIPT,
    forwarding: true,
    ...overrides,
  };
}

/** The interface as `target()` leaves it. */
function model(overrides: Partial<InterfaceModel> = {}): InterfaceModel {
  return { peers: peerSet(peer(2)), privateKey: KEY, listenPort: 51820, ...overrides };
}

const kinds = (steps: HostStep[]) => steps.map((step) => step.kind);

describe('planApply: host steps', () => {
  const cases: {
    name: string;
    previous: AppliedHost | undefined;
    target?: Partial<ApplyTarget>;
    steps: HostStep['kind'][];
  }[] = [
    {
      name: 'a first apply establishes everything, exit routing last (it may clean an earlier run)',
      previous: undefined,
      steps: ['establish-link', 'enable-forwarding', 'replace-firewall', 'sync-exit-routing'],
    },
    { name: 'an identical apply touches nothing', previous: applied(), steps: [] },
    {
      name: 'a new route syncs the link',
      previous: applied(),
      target: { routes: ['10.8.0.0/24'] },
      steps: ['sync-link'],
    },
    {
      name: 'a new address syncs the link',
      previous: applied(),
      target: { address: '100.97.0.1/16' },
      steps: ['sync-link'],
    },
    {
      name: 'forwarding is enabled when first needed, never turned off',
      previous: applied({ forwarding: false }),
      steps: ['enable-forwarding'],
    },
    { name: 'forwarding no longer needed', previous: applied(), target: { forwarding: false }, steps: [] },
    {
      name: 'a changed script replaces the firewall',
      previous: applied(),
      target: { nftScript: 'x' },
      steps: ['replace-firewall'],
    },
    {
      name: 'exit routes that appear',
      previous: applied(),
      target: { exitRoutes: ['0.0.0.0/0'] },
      steps: ['sync-exit-routing'],
    },
    {
      name: 'exit routes that go',
      previous: applied({ exitRoutes: ['0.0.0.0/0'] }),
      steps: ['sync-exit-routing'],
    },
    {
      name: 'unchanged exit routes, complete: nothing',
      previous: applied({ exitRoutes: ['0.0.0.0/1', '128.0.0.0/1'] }),
      target: { exitRoutes: ['128.0.0.0/1', '0.0.0.0/1'] },
      steps: [],
    },
    {
      name: 'unchanged exit routes, a control-plane host unresolved last time: retried',
      previous: applied({ exitRoutes: ['0.0.0.0/0'], exitRoutingComplete: false }),
      target: { exitRoutes: ['0.0.0.0/0'] },
      steps: ['sync-exit-routing'],
    },
    {
      name: 'everything changed: link, forwarding, firewall, exit routing, in that order',
      previous: applied({ forwarding: false }),
      target: { address: '100.97.0.1/16', nftScript: 'x', exitRoutes: ['0.0.0.0/0'] },
      steps: ['sync-link', 'enable-forwarding', 'replace-firewall', 'sync-exit-routing'],
    },
  ];
  it.each(cases)('$name', ({ previous, target: overrides, steps }) => {
    expect(kinds(planApply(previous, model(), target(overrides)).host)).toEqual(steps);
  });

  it('says what each step needs', () => {
    const known = new Set(['10.9.0.0/24']);
    const first = planApply(undefined, model(), target({ exitRoutes: ['0.0.0.0/0'], nftScript: 'x' }));
    expect(first.host).toEqual([
      { kind: 'establish-link', address: '100.96.0.1/16', routes: ['10.9.0.0/24'] },
      { kind: 'enable-forwarding' },
      { kind: 'replace-firewall', script: 'x' },
      // It marks the tunnel's default: only once the set has marked WireGuard's own packets.
      { kind: 'sync-exit-routing', routes: ['0.0.0.0/0'], afterSet: true },
    ]);
    expect(planApply(applied({ routes: known }), model(), target({ routes: ['10.8.0.0/24'] })).host).toEqual([
      { kind: 'sync-link', address: undefined, routes: ['10.8.0.0/24'], knownRoutes: known },
    ]);
    expect(planApply(applied(), model(), target({ address: '100.97.0.1/16' })).host).toEqual([
      { kind: 'sync-link', address: '100.97.0.1/16', routes: ['10.9.0.0/24'], knownRoutes: known },
    ]);
    expect(planApply(applied({ exitRoutes: ['0.0.0.0/0'] }), model(), target()).host).toEqual([
      { kind: 'sync-exit-routing', routes: [], afterSet: false },
    ]);
  });

  it('reports a replaced firewall exactly when it plans one', () => {
    expect(planApply(applied(), model(), target()).firewallReplaced).toBe(false);
    expect(planApply(applied(), model(), target({ nftScript: 'x' })).firewallReplaced).toBe(true);
    expect(planApply(undefined, model(), target()).firewallReplaced).toBe(true);
  });
});

describe('planApply: the UAPI set', () => {
  const cases: {
    name: string;
    have: Partial<InterfaceModel>;
    target?: Partial<ApplyTarget>;
    set: Record<string, unknown>;
  }[] = [
    { name: 'nothing differs: an empty set', have: {}, set: { peers: [] } },
    {
      name: 'a fresh interface: key, port and every peer',
      have: { peers: new PeerSet([]), privateKey: undefined, listenPort: 0 },
      set: {
        privateKey: KEY,
        listenPort: 51820,
        peers: [{ kind: 'add', publicKey: b64(2), allowedIps: ['100.96.0.2/32'], persistentKeepalive: 0 }],
      },
    },
    {
      name: 'a new listen port',
      have: {},
      target: { listenPort: 51821 },
      set: { listenPort: 51821, peers: [] },
    },
    {
      name: 'exit routing wanted: the mark',
      have: {},
      target: { exitRoutes: ['0.0.0.0/0'] },
      set: { fwmark: EXIT_FWMARK, peers: [] },
    },
    {
      name: 'the mark already there',
      have: { fwmark: EXIT_FWMARK },
      target: { exitRoutes: ['0.0.0.0/0'] },
      set: { peers: [] },
    },
    { name: 'exit routing gone: the mark stays', have: { fwmark: EXIT_FWMARK }, set: { peers: [] } },
    {
      name: 'a peer removed before one added',
      have: {},
      target: { peers: peerSet(peer(3)) },
      set: {
        peers: [
          { kind: 'remove', publicKey: b64(2) },
          { kind: 'add', publicKey: b64(3), allowedIps: ['100.96.0.3/32'], persistentKeepalive: 0 },
        ],
      },
    },
  ];
  it.each(cases)('$name', ({ have, target: overrides, set }) => {
    expect(planApply(applied(), model(have), target(overrides)).set).toEqual(set);
  });

  it('the model after the set: what was set, and a mark left as it was', () => {
    const peers = peerSet(peer(2));
    expect(planApply(undefined, model({ fwmark: 7 }), target({ peers })).model).toEqual({
      peers,
      privateKey: KEY,
      listenPort: 51820,
      fwmark: 7,
    });
    expect(planApply(undefined, model(), target({ exitRoutes: ['0.0.0.0/0'] })).model.fwmark).toBe(
      EXIT_FWMARK,
    );
  });

  it('diffs only the positions the normaliser saw change, against the set applied last', () => {
    const normalizer = new PeerNormalizer(() => []);
    const first = normalizer.normalize([peer(2), peer(3)], '100.96.0.1/16');
    const next = normalizer.normalize([peer(2), peer(3, 25)], '100.96.0.1/16');
    expect(next.changed?.at).toEqual([1]);
    const have = model({ peers: first.peers });
    const plan = planApply(applied(), have, target({ peers: next.peers, changed: next.changed }));
    expect(plan.set.peers).toEqual([{ kind: 'update', publicKey: b64(3), persistentKeepalive: 25 }]);
    expect(plan.diff.updated).toEqual([{ publicKey: b64(3), fields: ['keepalive'] }]);
    // Against a read-back (another set), the whole set is compared.
    const readBack = interfaceModel({
      peers: [
        {
          publicKey: b64(3),
          allowedIps: ['100.96.0.3/32'],
          persistentKeepalive: 0,
          lastHandshakeSec: 0,
          lastHandshakeNsec: 0,
          rxBytes: 0,
          txBytes: 0,
        },
      ],
    });
    const full = planApply(applied(), readBack, target({ peers: next.peers, changed: next.changed }));
    expect(full.diff.added).toEqual([b64(2)]);
    expect(full.diff.updated).toEqual([{ publicKey: b64(3), fields: ['keepalive'] }]);
  });
});
