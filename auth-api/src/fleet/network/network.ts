import { parseCidr } from '@wirefleet/shared/schemas';
import type { Knex } from 'knex';

export interface Network {
  id: number;
  cidr: string;
  /** Prefix length, for interface addresses such as `100.96.0.5/16`. */
  prefix: number;
}

const DEFAULT_NETWORK = 'default';

/**
 * Makes sure the deployment's network exists with FLEET_NETWORK_CIDR. Changing the CIDR of a
 * network that already has addresses in use is refused: every node would have to be
 * re-addressed, which is a migration, not a restart.
 */
export async function ensureNetwork(db: Knex, cidr: string): Promise<Network> {
  const parsed = parseCidr(cidr);
  if (!parsed) throw new Error(`FLEET_NETWORK_CIDR: ${cidr} is not a canonical CIDR`);
  return db.transaction(async (trx) => {
    await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', ['wirefleet.network']);
    const existing = await trx('networks').where({ name: DEFAULT_NETWORK }).first<{ id: number; cidr: string } | undefined>();
    if (!existing) {
      const [row] = await trx('networks').insert({ name: DEFAULT_NETWORK, cidr }).returning<{ id: number }[]>('id');
      return { id: Number(row!.id), cidr, prefix: parsed.prefix };
    }
    if (existing.cidr !== cidr) {
      const used = await trx('ip_allocations').where({ network_id: existing.id }).first();
      if (used) {
        throw new Error(
          `FLEET_NETWORK_CIDR: the network is ${existing.cidr} and has addresses in use; it cannot become ${cidr}`,
        );
      }
      await trx('networks').where({ id: existing.id }).update({ cidr });
    }
    return { id: Number(existing.id), cidr, prefix: parsed.prefix };
  });
}
