import { WirefleetError } from '@wirefleet/shared/errors';
import type { Knex } from 'knex';

export type AddressOwner = { kind: 'node' | 'device'; id: number };

/**
 * Finds the lowest free host address of the network (not the network or broadcast
 * address). Allocations of one network are serialised by a transaction-level advisory lock,
 * so concurrent enrollments never pick the same address; the primary key on
 * (network, address) would refuse a duplicate anyway. Freed addresses are reused.
 */
export async function nextFreeAddress(trx: Knex.Transaction, networkId: number): Promise<string> {
  await trx.raw('SELECT pg_advisory_xact_lock(?, ?)', [IPAM_LOCK_CLASS, networkId]);
  // A gap search over the primary key: the first host address, or the address after an
  // allocated one whose successor is free — the lowest free address, without generating every
  // candidate of the network (on a /16 that was 65,534 rows and ~100 ms; this is ~2 ms).
  // `base` is a host address (/32): inet equality compares the mask too.
  const { rows } = await trx.raw<{ rows: Array<{ address: string }> }>(
    `WITH net AS (
       SELECT host(network(cidr))::inet AS base, host(broadcast(cidr))::inet AS last FROM networks WHERE id = ?
     ), candidates AS (
       SELECT net.base + 1 AS address FROM net
       UNION ALL
       SELECT a.address + 1 FROM ip_allocations a, net
        WHERE a.network_id = ? AND a.address + 1 < net.last
     )
     SELECT host(c.address) AS address
       FROM candidates c, net
      WHERE c.address < net.last
        AND NOT EXISTS (SELECT 1 FROM ip_allocations x WHERE x.network_id = ? AND x.address = c.address)
      ORDER BY c.address
      LIMIT 1`,
    [networkId, networkId, networkId],
  );
  const address = rows[0]?.address;
  if (!address) throw new WirefleetError('network_full', { detail: 'every tunnel address of the network is in use' });
  return address;
}

/**
 * Records `address` (from nextFreeAddress, in the same transaction, so the lock still holds)
 * as used by `owner` — once the owner's row exists and has an id.
 */
export async function claimAddress(
  trx: Knex.Transaction,
  networkId: number,
  address: string,
  owner: AddressOwner,
): Promise<void> {
  await trx('ip_allocations').insert({ network_id: networkId, address, owner_kind: owner.kind, owner_id: owner.id });
}

/** Lets the addresses of these owners be allocated again. */
export async function freeAddresses(trx: Knex.Transaction, networkId: number, owners: AddressOwner[]): Promise<void> {
  for (const kind of ['node', 'device'] as const) {
    const ids = owners.filter((owner) => owner.kind === kind).map((owner) => owner.id);
    if (ids.length > 0) {
      await trx('ip_allocations').where({ network_id: networkId, owner_kind: kind }).whereIn('owner_id', ids).delete();
    }
  }
}

/** Advisory-lock class for IPAM (the second key is the network id). */
const IPAM_LOCK_CLASS = 0x5746_4950; // "WFIP"
