import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dataplane, DesiredState } from './dataplane.js';

/** A Dataplane on a host the test may also change by hand, as root could. */
export interface DataplaneUnderTest {
  dataplane: Dataplane;
  removePeerByHand(publicKey: string): Promise<void>;
  deleteFirewallByHand(): Promise<void>;
  /** Deletes the base chain that sends tunnel traffic through the filter, leaving the rest of the table. */
  deleteFilterByHand(): Promise<void>;
  close(): Promise<void>;
}

function publicKey(): string {
  const jwk = generateKeyPairSync('x25519').publicKey.export({ format: 'jwk' });
  return Buffer.from(jwk.x ?? '', 'base64url').toString('base64');
}

/**
 * The one contract every Dataplane meets — the in-process one (memory) and the real one (linux,
 * in a network namespace): apply reports exactly what it changed and changes nothing twice, a
 * one-peer change touches one peer, and reconcile finds and repairs what was changed by hand.
 */
export function describeDataplaneContract(name: string, open: () => Promise<DataplaneUnderTest>): void {
  describe(`Dataplane contract: ${name}`, () => {
    const [b, c] = [publicKey(), publicKey()];
    const desired = (overrides: Partial<DesiredState> = {}): DesiredState => ({
      revision: 1,
      address: '100.96.0.1/16',
      listenPort: 51820,
      peers: [
        { publicKey: b, allowedIps: ['100.96.0.2/32'] },
        { publicKey: c, allowedIps: ['100.96.0.3/32'] },
      ],
      forwards: [{ protocol: 'tcp', publicPort: 8080, targetIp: '100.96.0.2', targetPort: 80 }],
      masquerade: true,
      ...overrides,
    });
    const peerKeys = async (dataplane: Dataplane) =>
      (await dataplane.peerStatus()).map((peer) => peer.publicKey).sort();
    let under: DataplaneUnderTest;
    beforeAll(async () => {
      under = await open();
    });
    afterAll(async () => {
      await under?.close();
    });

    it('applies a state from nothing and reports what it did', async () => {
      expect(await under.dataplane.apply(desired())).toEqual({
        peersAdded: 2,
        peersUpdated: 0,
        peersRemoved: 0,
        firewallReplaced: true,
      });
      expect(await peerKeys(under.dataplane)).toEqual([b, c].sort());
      expect((await under.dataplane.digest()).drift).toBe(false);
      const shown = await under.dataplane.show();
      for (const key of [b, c]) expect(shown).toContain(key);
    });

    it('applying the same state again changes nothing', async () => {
      expect(await under.dataplane.apply(desired({ revision: 2 }))).toEqual({
        peersAdded: 0,
        peersUpdated: 0,
        peersRemoved: 0,
        firewallReplaced: false,
      });
    });

    it('a one-peer change touches that peer only, and a removed peer leaves the host', async () => {
      const moved = desired({
        revision: 3,
        peers: [{ publicKey: b, allowedIps: ['100.96.0.2/32', '10.70.0.0/24'] }, desired().peers[1]!],
      });
      expect(await under.dataplane.apply(moved)).toEqual({
        peersAdded: 0,
        peersUpdated: 1,
        peersRemoved: 0,
        firewallReplaced: false,
      });
      const without = desired({ revision: 4, peers: moved.peers.slice(0, 1) });
      expect(await under.dataplane.apply(without)).toEqual({
        peersAdded: 0,
        peersUpdated: 0,
        peersRemoved: 1,
        firewallReplaced: false,
      });
      expect(await peerKeys(under.dataplane)).toEqual([b]);
    });

    it('reconcile finds what was changed by hand, repairs it, and then finds nothing', async () => {
      await under.dataplane.apply(desired({ revision: 5 }));
      await under.removePeerByHand(c);
      await under.deleteFirewallByHand();
      expect((await under.dataplane.digest()).drift).toBe(true);
      const repaired = await under.dataplane.reconcile();
      expect(repaired.corrected.length).toBeGreaterThan(0);
      expect(repaired).toMatchObject({ peersAdded: 1, firewallReplaced: true });
      expect(await peerKeys(under.dataplane)).toEqual([b, c].sort());
      expect((await under.dataplane.digest()).drift).toBe(false);
      expect((await under.dataplane.reconcile()).corrected).toEqual([]);
    });

    const filter: DesiredState['filter'] = {
      inbound: [
        { from: ['100.96.0.2/32'], proto: 'tcp', ports: [[80, 80]] },
        { from: ['100.96.0.0/16'], to: ['100.96.1.9/32'], proto: 'icmp' },
      ],
    };
    const unchanged = { peersAdded: 0, peersUpdated: 0, peersRemoved: 0 };

    it('a filter replaces the firewall once, and applying it again changes nothing', async () => {
      expect(await under.dataplane.apply(desired({ revision: 6, filter }))).toEqual({
        ...unchanged,
        firewallReplaced: true,
      });
      const again = desired({ revision: 7, filter: structuredClone(filter) });
      expect(await under.dataplane.apply(again)).toEqual({ ...unchanged, firewallReplaced: false });
      expect((await under.dataplane.digest()).drift).toBe(false);
    });

    it('a filter with an invalid value fails the apply, naming the field, and changes nothing', async () => {
      const bad = (entry: object) =>
        desired({ revision: 8, filter: { inbound: [entry] } as DesiredState['filter'] });
      const before = await under.dataplane.digest();
      await expect(under.dataplane.apply(bad({ from: ['100.96.0.2/33'], proto: 'any' }))).rejects.toThrow(
        /filter\.inbound\[0\]\.from\[0\]/,
      );
      await expect(under.dataplane.apply(bad({ from: ['fd00::1/128'], proto: 'any' }))).rejects.toThrow(
        /from\[0\]/,
      );
      await expect(
        under.dataplane.apply(bad({ from: ['10.0.0.0/8'], proto: 'tcp', ports: [[90, 80]] })),
      ).rejects.toThrow(/ports\[0\]/);
      await expect(under.dataplane.apply(bad({ from: ['10.0.0.0/8'], proto: 'gre' }))).rejects.toThrow(
        /proto/,
      );
      expect(await under.dataplane.digest()).toEqual(before);
    });

    it('reconcile restores filter chains deleted by hand; without a filter they go', async () => {
      await under.deleteFilterByHand();
      expect((await under.dataplane.digest()).drift).toBe(true);
      const repaired = await under.dataplane.reconcile();
      expect(repaired.corrected.length).toBeGreaterThan(0);
      expect(repaired).toMatchObject({ ...unchanged, firewallReplaced: true });
      expect((await under.dataplane.digest()).drift).toBe(false);
      expect(await under.dataplane.apply(desired({ revision: 9 }))).toEqual({
        ...unchanged,
        firewallReplaced: true,
      });
    });
  });
}
