import { describe, expect, it } from 'vitest';
import type { NodeLeases } from './node-leases.js';

/** One implementation under test, with a way to lose a lease as a Redis restart or flush would. */
export interface LeasesUnderTest {
  leases: NodeLeases;
  /** Makes the node's lease vanish without any holder releasing it. */
  lose(nodeId: number): Promise<void>;
}

/** The NodeLeases contract, run against every implementation. */
export function nodeLeasesContractSuite(name: string, make: () => Promise<LeasesUnderTest>): void {
  describe(`NodeLeases contract: ${name}`, () => {
    it('acquire answers the holder it replaced', async () => {
      const { leases } = await make();
      expect(await leases.acquire(1, 'gw-a/1')).toBeNull();
      expect(await leases.acquire(1, 'gw-b/2')).toBe('gw-a/1');
      expect(await leases.acquire(2, 'gw-a/3')).toBeNull();
    });

    it('renew keeps the lease of its holder and refuses a replaced one', async () => {
      const { leases } = await make();
      await leases.acquire(1, 'gw-a/1');
      expect(await leases.renew(1, 'gw-a/1')).toBe(true);
      await leases.acquire(1, 'gw-b/2');
      expect(await leases.renew(1, 'gw-a/1')).toBe(false);
      expect(await leases.renew(1, 'gw-b/2')).toBe(true);
    });

    it('a lease that vanished is taken again by its holder, not read as "replaced"', async () => {
      const { leases, lose } = await make();
      await leases.acquire(7, 'gw-a/1');
      await lose(7);
      expect(await leases.renew(7, 'gw-a/1')).toBe(true);
      // Taken again for real: a newer connection now replaces it as usual.
      expect(await leases.acquire(7, 'gw-b/2')).toBe('gw-a/1');
    });

    it('release drops only its own lease', async () => {
      const { leases } = await make();
      await leases.acquire(1, 'gw-a/1');
      await leases.acquire(1, 'gw-b/2');
      await leases.release(1, 'gw-a/1');
      expect(await leases.acquire(1, 'gw-c/3')).toBe('gw-b/2');
      await leases.release(1, 'gw-c/3');
      expect(await leases.acquire(1, 'gw-d/4')).toBeNull();
    });
  });
}
