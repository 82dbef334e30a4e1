import { describe, expect, it } from 'vitest';
import type { DesiredPeer } from '../dataplane.js';
import { EXIT_FWMARK } from './exit-routing.js';
import { fingerprintNftTable, type NftJson } from './nftables.js';
import { normalizePeers, PeerSet } from './peer-diff.js';
import { planFirewallRepair, planReconcile, type ReconcileApplied } from './reconcile-plan.js';
import type { WgDeviceState, WgPeerState } from './uapi-client.js';

const b64 = (n: number) => Buffer.alloc(32, n).toString('base64');
const KEY = b64(1);
const SCRIPT = 'table inet wirefleet {}\n';
const peer = (n: number, keepalive = 0): DesiredPeer => ({
  publicKey: b64(n),
  allowedIps: [`100.96.0.${n}/32`],
  persistentKeepalive: keepalive,
});
const TABLE: NftJson[] = [{ table: { name: 'wirefleet', handle: 1 } }];

/** What an apply of peers 2 and 3 left. */
function applied(overrides: Partial<ReconcileApplied> = {}): ReconcileApplied {
  return {
    peers: PeerSet.fromMap(normalizePeers([peer(2), peer(3)])),
    listenPort: 51820,
    address: '100.96.0.1/16',
    routes: new Set(['10.9.0.0/24']),
    exitRoutes: [],
    exitRoutingComplete: true,
    nftScript: SCRIPT,
    nftFingerprint: fingerprintNftTable(TABLE),
    forwarding: true,
    ...overrides,
  };
}

const readPeer = (n: number, keepalive = 0): WgPeerState => ({
  publicKey: b64(n),
  allowedIps: [`100.96.0.${n}/32`],
  persistentKeepalive: keepalive,
  lastHandshakeSec: 0,
  lastHandshakeNsec: 0,
  rxBytes: 0,
  txBytes: 0,
});

/** The interface as `applied()` leaves it; `fresh`: as a recreated one reads (no key, no port, no peers). */
function device(overrides: Partial<WgDeviceState> | 'fresh' = {}): WgDeviceState {
  if (overrides === 'fresh') return { listenPort: 0, peers: [] };
  return { privateKey: KEY, listenPort: 51820, peers: [readPeer(2), readPeer(3)], ...overrides };
}

describe('planReconcile: what the interface read back needs', () => {
  const cases: {
    name: string;
    applied?: Partial<ReconcileApplied>;
    device: Partial<WgDeviceState> | 'fresh';
    set: Record<string, unknown>;
    corrected: string[];
  }[] = [
    { name: 'an untouched interface needs nothing', device: {}, set: {}, corrected: [] },
    {
      name: 'a peer removed by hand is re-added',
      device: { peers: [readPeer(2)] },
      set: { peers: [expect.objectContaining({ kind: 'add', publicKey: b64(3) })] },
      corrected: [`peer ${b64(3)} re-added`],
    },
    {
      name: 'a peer added by hand is removed',
      device: { peers: [readPeer(2), readPeer(3), readPeer(4)] },
      set: { peers: [{ kind: 'remove', publicKey: b64(4) }] },
      corrected: [`peer ${b64(4)} removed (not in desired state)`],
    },
    {
      name: 'a peer changed by hand is restored, naming the field',
      device: { peers: [readPeer(2), readPeer(3, 25)] },
      set: { peers: [expect.objectContaining({ kind: 'update', publicKey: b64(3) })] },
      corrected: [`peer ${b64(3)} keepalive restored`],
    },
    {
      name: 'a recreated (empty) interface gets its key, port and peers back, in report order',
      device: 'fresh',
      set: { privateKey: KEY, listenPort: 51820, peers: [expect.anything(), expect.anything()] },
      corrected: [
        'private key restored',
        'listen port 51820 restored',
        `peer ${b64(2)} re-added`,
        `peer ${b64(3)} re-added`,
      ],
    },
    {
      name: 'with exit routing, a lost fwmark is restored',
      applied: { exitRoutes: ['0.0.0.0/0'] },
      device: {},
      set: { fwmark: EXIT_FWMARK },
      corrected: ['fwmark restored'],
    },
    {
      name: 'without exit routing, a mark left on the interface stays',
      device: { fwmark: 7 },
      set: {},
      corrected: [],
    },
  ];
  it.each(cases)('$name', (c) => {
    const plan = planReconcile(applied(c.applied), device(c.device), KEY);
    expect(plan.set).toEqual({ peers: [], ...c.set });
    expect(plan.corrected).toEqual(c.corrected);
  });

  it('reports the peer diff as counts come from it', () => {
    const plan = planReconcile(applied(), device({ peers: [readPeer(3, 25), readPeer(9)] }), KEY);
    expect(plan.diff.added).toEqual([b64(2)]);
    expect(plan.diff.updated.map((u) => u.publicKey)).toEqual([b64(3)]);
    expect(plan.diff.removed).toEqual([b64(9)]);
  });

  it('checks the link, then exit routing, then ip_forward when forwarding was applied', () => {
    const plan = planReconcile(applied({ exitRoutes: ['0.0.0.0/0'] }), device(), KEY);
    expect(plan.host).toEqual([
      { kind: 'sync-link', address: '100.96.0.1/16', routes: ['10.9.0.0/24'] },
      { kind: 'sync-exit-routing', routes: ['0.0.0.0/0'] },
      { kind: 'enable-forwarding' },
    ]);
    const without = planReconcile(applied({ forwarding: false }), device(), KEY);
    expect(without.host.map((step) => step.kind)).toEqual(['sync-link', 'sync-exit-routing']);
  });

  it('models the interface as applied, keeping a mark it did not ask for', () => {
    const peers = applied().peers;
    const plan = planReconcile(applied({ peers }), device({ fwmark: 7, listenPort: 1 }), KEY);
    expect(plan.model).toEqual({ peers, privateKey: KEY, listenPort: 51820, fwmark: 7 });
    const exit = planReconcile(applied({ exitRoutes: ['0.0.0.0/0'] }), device({ fwmark: 7 }), KEY);
    expect(exit.model.fwmark).toBe(EXIT_FWMARK);
  });
});

describe('planFirewallRepair', () => {
  const cases: {
    name: string;
    table: NftJson[] | null;
    fingerprint?: string;
    corrected: string | undefined;
  }[] = [
    {
      name: 'the table as applied (handles aside) needs nothing',
      table: [{ table: { name: 'wirefleet', handle: 9 } }],
      corrected: undefined,
    },
    {
      name: 'a tampered table is swapped back',
      table: [...TABLE, { rule: {} }],
      corrected: 'firewall table restored',
    },
    {
      name: 'a missing table is restored',
      table: null,
      corrected: 'firewall table restored (it was missing)',
    },
    {
      name: 'an unknown fingerprint reads as drift',
      table: TABLE,
      fingerprint: '',
      corrected: 'firewall table restored',
    },
  ];
  it.each(cases)('$name', (c) => {
    const repair = planFirewallRepair(
      { nftScript: SCRIPT, nftFingerprint: c.fingerprint ?? fingerprintNftTable(TABLE) },
      c.table,
    );
    expect(repair).toEqual(
      c.corrected === undefined ? undefined : { script: SCRIPT, corrected: c.corrected },
    );
  });
});
