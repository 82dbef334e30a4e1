import { WirefleetError } from '@wirefleet/shared/errors';

const UNIQUE_VIOLATION = '23505';

/**
 * The primary key of `wireguard_keys`, the network's registry of every node's and device's
 * public key (kept by triggers on both tables, see docs/fleet.md): a key taken by the other
 * kind of peer surfaces as a unique violation of this constraint.
 */
export const WIREGUARD_KEY_CONSTRAINT = 'wireguard_keys_pkey';

/**
 * The 409 for a unique violation on a WireGuard public key — from the registry or from the
 * per-table unique indexes — or undefined for any other error, which the caller rethrows.
 */
export function wireguardKeyConflict(error: unknown): WirefleetError | undefined {
  const { code, constraint } = error as { code?: string; constraint?: string };
  if (code !== UNIQUE_VIOLATION) return undefined;
  if (constraint !== WIREGUARD_KEY_CONSTRAINT && !constraint?.includes('wg_public_key')) return undefined;
  return new WirefleetError('conflict', { detail: 'this WireGuard key belongs to another node or device', cause: error });
}
