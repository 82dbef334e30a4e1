import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DesiredPeer } from '../dataplane.js';
import {
  diffPeers,
  diffPeersAt,
  modelFromActual,
  normalizePeers,
  type PeerModel,
  PeerNormalizer,
  PeerSet,
} from './peer-diff.js';
import { parseCidr } from '../render/validate.js';
import { routesFor, routesForCanonical } from './wireguard-interface.js';

const key = (n: number) => Buffer.alloc(32, n).toString('base64');

function peer(n: number, extra: Partial<DesiredPeer> = {}): DesiredPeer {
  return { publicKey: key(n), allowedIps: [`100.96.0.${n}/32`], ...extra };
}

describe('diffPeers', () => {
  it('adds, updates only changed fields, removes, and leaves untouched peers alone', () => {
    const before = normalizePeers([peer(1), peer(2, { endpoint: '192.0.2.2:51820' }), peer(3), peer(4)]);
    const after = normalizePeers([
      peer(1),
      peer(2, { endpoint: '192.0.2.22:51820' }),
      peer(3, { allowedIps: ['100.96.0.3/32', '10.9.0.0/24'], persistentKeepalive: 25 }),
      peer(5),
    ]);
    const diff = diffPeers(after, before);
    expect(diff.added).toEqual([key(5)]);
    expect(diff.removed).toEqual([key(4)]);
    expect(diff.updated).toEqual([
      { publicKey: key(2), fields: ['endpoint'] },
      { publicKey: key(3), fields: ['allowed IPs', 'keepalive'] },
    ]);
    expect(diff.changes).toEqual([
      { kind: 'remove', publicKey: key(4) },
      { kind: 'update', publicKey: key(2), endpoint: '192.0.2.22:51820' },
      {
        kind: 'update',
        publicKey: key(3),
        allowedIps: ['10.9.0.0/24', '100.96.0.3/32'],
        persistentKeepalive: 25,
      },
      { kind: 'add', publicKey: key(5), allowedIps: ['100.96.0.5/32'], persistentKeepalive: 0 },
    ]);
    expect(diff.changes.some((change) => change.publicKey === key(1))).toBe(false);
  });

  it('treats different spellings of the same config as unchanged', () => {
    const desired = normalizePeers([
      peer(1, { allowedIps: ['10.1.2.3/8', 'FD00::1/64', '10.0.0.0/8'], endpoint: '[FD00::9]:1' }),
    ]);
    const actual = modelFromActual([
      {
        publicKey: key(1),
        allowedIps: ['10.0.0.0/8', 'fd00::/64'],
        endpoint: '[fd00::9]:1',
        persistentKeepalive: 0,
        lastHandshakeSec: 5,
        lastHandshakeNsec: 0,
        rxBytes: 1,
        txBytes: 2,
      },
    ]);
    expect(diffPeers(desired, actual).changes).toEqual([]);
  });

  it('ignores a roamed endpoint when none is configured', () => {
    const desired = normalizePeers([peer(1)]);
    const actual = new Map<string, PeerModel>([
      [key(1), { ...desired.get(key(1))!, endpoint: '198.51.100.1:4242' }],
    ]);
    expect(diffPeers(desired, actual).changes).toEqual([]);
  });

  it('rejects duplicate keys and invalid values before anything is diffed', () => {
    expect(() => normalizePeers([peer(1), peer(1)])).toThrow(/twice/);
    expect(() => normalizePeers([peer(1, { allowedIps: ['10.0.0.1/32\n'] })])).toThrow();
    expect(() => normalizePeers([peer(1, { persistentKeepalive: -1 })])).toThrow();
  });

  it('applying the diff to the model always yields the desired peers', () => {
    const peerArb = fc.record({
      n: fc.integer({ min: 1, max: 12 }),
      last: fc.integer({ min: 1, max: 4 }),
      keepalive: fc.constantFrom(0, 25),
      endpoint: fc.option(fc.constantFrom('192.0.2.1:1', '192.0.2.2:2'), { nil: undefined }),
    });
    const peers = fc.uniqueArray(peerArb, { selector: (p) => p.n, maxLength: 8 }).map((list) =>
      normalizePeers(
        list.map((p) =>
          peer(p.n, {
            allowedIps: [`10.${p.n}.0.${p.last}/32`],
            persistentKeepalive: p.keepalive,
            endpoint: p.endpoint,
          }),
        ),
      ),
    );
    fc.assert(
      fc.property(peers, peers, (desired, actual) => {
        const state = new Map([...actual].map(([k, v]) => [k, { ...v }]));
        for (const change of diffPeers(desired, actual).changes) {
          if (change.kind === 'remove') state.delete(change.publicKey);
          else {
            const base: PeerModel = state.get(change.publicKey) ?? {
              publicKey: change.publicKey,
              allowedIps: [],
              persistentKeepalive: 0,
            };
            state.set(change.publicKey, {
              ...base,
              ...(change.allowedIps ? { allowedIps: change.allowedIps } : {}),
              ...(change.endpoint ? { endpoint: change.endpoint } : {}),
              ...(change.persistentKeepalive !== undefined
                ? { persistentKeepalive: change.persistentKeepalive }
                : {}),
            });
          }
        }
        expect(diffPeers(desired, state).changes).toEqual([]);
        expect([...state.keys()].sort()).toEqual([...desired.keys()].sort());
      }),
    );
  });
});

describe('routesForCanonical', () => {
  it('returns what routesFor returns for canonical allowed IPs, IPv4 and IPv6, inside and outside', () => {
    const v4 = fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 32 })).map(([ip, len]) => `${ip}/${len}`);
    const v6 = fc.tuple(fc.ipV6(), fc.integer({ min: 0, max: 128 })).map(([ip, len]) => `${ip}/${len}`);
    // Near the interface's network as often as not, so both sides of "inside" are covered.
    const near = fc
      .tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 8, max: 32 }))
      .map(([x, len]) => `100.96.${x}.7/${len}`);
    fc.assert(
      fc.property(
        fc.constantFrom('100.96.0.1/16', '100.96.0.1/32', '10.0.0.1/8', '0.0.0.0/0', 'fd00::1/64', '::/0'),
        fc.array(fc.oneof(v4, v6, near), { maxLength: 8 }),
        (address, cidrs) => {
          const canonical = normalizePeers([{ publicKey: key(1), allowedIps: cidrs }]).get(
            key(1),
          )!.allowedIps;
          expect([...routesForCanonical(parseCidr(address), canonical)].sort()).toEqual(
            routesFor(address, canonical),
          );
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('PeerNormalizer', () => {
  const ADDRESS = '10.0.0.1/16';
  const normalizer = () => new PeerNormalizer((address, allowedIps) => routesFor(address, allowedIps));
  // Small pools so that successive lists share keys, fields and positions often.
  const peerArb = fc.record({
    n: fc.integer({ min: 1, max: 10 }),
    ips: fc.subarray(['10.0.0.5/32', '10.0.9.0/24', '10.7.0.0/16', '192.168.1.0/24'], { minLength: 1 }),
    keepalive: fc.constantFrom(undefined, 0, 25),
    endpoint: fc.constantFrom(undefined, '192.0.2.1:1', '192.0.2.2:2'),
  });
  const listArb = fc.uniqueArray(peerArb, { selector: (p) => p.n, maxLength: 7 }).map((list) =>
    list.map((p) =>
      peer(p.n, {
        allowedIps: [...p.ips],
        ...(p.keepalive !== undefined ? { persistentKeepalive: p.keepalive } : {}),
        ...(p.endpoint !== undefined ? { endpoint: p.endpoint } : {}),
      }),
    ),
  );
  /** Mostly small edits of the previous list (one field, a swap, an append), sometimes a new list. */
  const stepArb = fc.oneof(
    { arbitrary: listArb.map((list) => ({ replace: list })), weight: 1 },
    { arbitrary: fc.record({ at: fc.nat(), keepalive: fc.constantFrom(0, 10, 25) }), weight: 3 },
    { arbitrary: fc.record({ swap: fc.nat() }), weight: 1 },
  );

  it('returns what normalizePeers and routesFor return, and a positional diff equal to diffPeers', () => {
    fc.assert(
      fc.property(listArb, fc.array(stepArb, { maxLength: 6 }), (first, steps) => {
        const memo = normalizer();
        let list = first;
        let previous = memo.normalize(list, ADDRESS).peers;
        for (const step of steps) {
          if ('replace' in step) list = step.replace;
          else if ('swap' in step && list.length > 1) {
            const i = step.swap % (list.length - 1);
            list = [...list.slice(0, i), list[i + 1]!, list[i]!, ...list.slice(i + 2)];
          } else if ('at' in step && list.length > 0) {
            const i = step.at % list.length;
            list = list.map((p, j) => (j === i ? { ...p, persistentKeepalive: step.keepalive } : p));
          }
          const result = memo.normalize(list, ADDRESS);
          const expected = normalizePeers(list);
          expect(result.peers.list).toEqual([...expected.values()]);
          expect([...result.peers.byKey]).toEqual([...expected]);
          expect(result.routes).toEqual(
            routesFor(
              ADDRESS,
              list.flatMap((p) => p.allowedIps),
            ),
          );
          if (result.changed) {
            expect(result.changed.from).toBe(previous);
            expect(diffPeersAt(result.peers, previous, result.changed.at)).toEqual(
              diffPeers(result.peers.byKey, previous.byKey),
            );
          }
          previous = result.peers;
        }
      }),
    );
  });

  it('a change in place reports only its position, and an unchanged list returns the same set', () => {
    const memo = normalizer();
    const list = [peer(1), peer(2), peer(3)];
    const first = memo.normalize(list, ADDRESS);
    expect(first.changed).toBeUndefined();
    const same = memo.normalize(
      list.map((p) => ({ ...p, allowedIps: [...p.allowedIps] })),
      ADDRESS,
    );
    expect(same.peers).toBe(first.peers);
    expect(same.changed).toEqual({ from: first.peers, at: [] });
    const edited = memo.normalize([peer(1), peer(2, { persistentKeepalive: 5 }), peer(3)], ADDRESS);
    expect(edited.changed).toEqual({ from: first.peers, at: [1] });
    expect(edited.peers.list[0]).toBe(first.peers.list[0]);
    expect(memo.normalize([peer(3), peer(1)], ADDRESS).changed).toBeUndefined();
  });

  it('takes a frozen peer met again at its position as unchanged without comparing its fields', () => {
    let routed = 0;
    const memo = new PeerNormalizer((address, allowedIps) => {
      routed += 1;
      return routesFor(address, allowedIps);
    });
    const frozen = (p: DesiredPeer) =>
      Object.freeze({ ...p, allowedIps: Object.freeze([...p.allowedIps]) as string[] });
    const list = [frozen(peer(1)), frozen(peer(2)), peer(3)];
    const first = memo.normalize(list, ADDRESS);
    routed = 0;
    const edited = memo.normalize([list[0]!, frozen(peer(2, { persistentKeepalive: 5 })), peer(3)], ADDRESS);
    expect(edited.changed).toEqual({ from: first.peers, at: [1] });
    expect(edited.peers.list[1]!.persistentKeepalive).toBe(5);
    expect(routed).toBe(1);
    expect(memo.normalize([list[0]!, peer(2), peer(3)], ADDRESS).changed?.at).toEqual([1]);
  });

  it('rejects a key listed twice whatever the order, and keeps its memory after a refusal', () => {
    const memo = normalizer();
    const first = memo.normalize([peer(1), peer(2)], ADDRESS);
    expect(() => memo.normalize([peer(1), peer(1)], ADDRESS)).toThrow(/twice/);
    expect(() => memo.normalize([peer(1), peer(2, { allowedIps: ['nonsense'] })], ADDRESS)).toThrow();
    expect(memo.normalize([peer(1), peer(2)], ADDRESS).peers).toBe(first.peers);
  });
});

describe('PeerSet', () => {
  it('indexes its list by key on demand, or keeps the index it was given', () => {
    const models = normalizePeers([peer(1), peer(2)]);
    expect([...new PeerSet([...models.values()]).byKey]).toEqual([...models]);
    expect(PeerSet.fromMap(models).byKey).toBe(models);
  });
});
