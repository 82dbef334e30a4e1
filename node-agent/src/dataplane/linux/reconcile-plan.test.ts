import { describe, expect, it } from 'vitest';
import type { DesiredPeer } from '../dataplane.js';
import { EXIT_FWMARK } from './exit-routing.js';
import type { IpLink } from './link-sync.js';
import { fingerprintNftTable, type NftJson } from './nftables.js';
import { normalizePeers, PeerSet } from './peer-diff.js';
import {
  planFirewallRepair,
  planReconcile,
  type ReconcileApplied,
  type ReconcileReadBack,
} from './reconcile-plan.js';
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

const IF = 'wg0';
const OWN = { privateKey: KEY, interfaceName: IF };
/** The link as `applied()` leaves it: its address, up. */
const LINK: IpLink = {
  flags: ['UP'],
  addr_info: [{ family: 'inet', local: '100.96.0.1', prefixlen: 16, scope: 'global' }],
};

/** A read-back of `dev` with the link and routes as applied, unless overridden. */
function read(dev: WgDeviceState = device(), overrides: Partial<ReconcileReadBack> = {}): ReconcileReadBack {
  return { device: dev, link: LINK, routes: new Set(['10.9.0.0/24']), ...overrides };
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
    const plan = planReconcile(applied(c.applied), read(device(c.device)), OWN);
    expect(plan.set).toEqual({ peers: [], ...c.set });
    expect(plan.corrected).toEqual(c.corrected);
  });

  it('reports the peer diff as counts come from it', () => {
    const plan = planReconcile(applied(), read(device({ peers: [readPeer(3, 25), readPeer(9)] })), OWN);
    expect(plan.diff.added).toEqual([b64(2)]);
    expect(plan.diff.updated.map((u) => u.publicKey)).toEqual([b64(3)]);
    expect(plan.diff.removed).toEqual([b64(9)]);
  });

  it('checks exit routing, then ip_forward when forwarding was applied; an intact link is not written', () => {
    const plan = planReconcile(applied({ exitRoutes: ['0.0.0.0/0'] }), read(device()), OWN);
    expect(plan.host).toEqual([
      { kind: 'sync-exit-routing', routes: ['0.0.0.0/0'] },
      { kind: 'enable-forwarding' },
    ]);
    const without = planReconcile(applied({ forwarding: false }), read(device()), OWN);
    expect(without.host.map((step) => step.kind)).toEqual(['sync-exit-routing']);
  });

  const linkCases: {
    name: string;
    read: Partial<ReconcileReadBack>;
    commands: string[][];
    corrected: string[];
  }[] = [
    {
      name: 'a link set down is brought up',
      read: { link: { ...LINK, flags: [] } },
      commands: [['link', 'set', IF, 'up']],
      corrected: [`link ${IF} set up`],
    },
    {
      name: 'a route deleted by hand is added back, one added by hand removed (first)',
      read: { routes: new Set(['10.8.0.0/24']) },
      commands: [
        ['route', 'del', '10.8.0.0/24', 'dev', IF, 'proto', '87'],
        ['route', 'replace', '10.9.0.0/24', 'dev', IF, 'proto', '87'],
      ],
      corrected: ['route 10.8.0.0/24 removed', 'route 10.9.0.0/24 added'],
    },
    {
      name: 'a changed address is replaced, and every route written again (the kernel drops them with it)',
      read: { link: { flags: ['UP'], addr_info: [{ local: '10.1.1.1', prefixlen: 8, scope: 'global' }] } },
      commands: [
        ['addr', 'del', '10.1.1.1/8', 'dev', IF],
        ['addr', 'replace', '100.96.0.1/16', 'dev', IF],
        ['route', 'replace', '10.9.0.0/24', 'dev', IF, 'proto', '87'],
      ],
      corrected: ['address 10.1.1.1/8 removed', 'address 100.96.0.1/16 set'],
    },
  ];
  it.each(linkCases)('$name: one ip batch before exit routing, reported after the peers', (c) => {
    const plan = planReconcile(applied(), read(device({ peers: [readPeer(2)] }), c.read), OWN);
    expect(plan.host[0]).toEqual({ kind: 'write-link', commands: c.commands });
    expect(plan.host[1]?.kind).toBe('sync-exit-routing');
    expect(plan.corrected).toEqual([`peer ${b64(3)} re-added`, ...c.corrected]);
  });

  it('refuses to plan when the link is gone', () => {
    expect(() => planReconcile(applied(), read(device(), { link: undefined }), OWN)).toThrow(/disappeared/);
  });

  it('models the interface as applied, keeping a mark it did not ask for', () => {
    const peers = applied().peers;
    const plan = planReconcile(applied({ peers }), read(device({ fwmark: 7, listenPort: 1 })), OWN);
    expect(plan.model).toEqual({ peers, privateKey: KEY, listenPort: 51820, fwmark: 7 });
    const exit = planReconcile(applied({ exitRoutes: ['0.0.0.0/0'] }), read(device({ fwmark: 7 })), OWN);
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
