import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DesiredPeer } from '../dataplane.js';
import { diffPeers, modelFromActual, normalizePeers, type PeerModel } from './peer-diff.js';

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
