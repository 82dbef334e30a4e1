import { WirefleetError } from '@wirefleet/shared/errors';
import type { CreateDeviceRequest, PatchDeviceRequest } from '@wirefleet/shared/schemas';
import type { Knex } from 'knex';
import type { FleetWriteDeps } from '../fleet-deps.js';
import { claimAddress, freeAddresses, nextFreeAddress, wireguardKeyConflict } from '../network/index.js';
import { bumpRevisions } from '../outbox/index.js';
import { withPolicyBumps } from '../policy/policy-bumps.js';
import { lockPolicy } from '../policy/policy-store.js';

export interface PublicDevice {
  id: number;
  name: string;
  node_id: number;
  wg_public_key: string;
  tunnel_ip: string;
  tags: string[];
  created_at: string;
}

interface DeviceRow {
  id: number;
  name: string;
  node_id: number;
  wg_public_key: string;
  tunnel_ip: string;
  tags: string[];
  created_at: Date;
}

const toPublic = (row: DeviceRow): PublicDevice => ({
  id: Number(row.id),
  name: row.name,
  node_id: Number(row.node_id),
  wg_public_key: row.wg_public_key,
  tunnel_ip: row.tunnel_ip,
  tags: row.tags,
  created_at: row.created_at.toISOString(),
});

const PLACEMENT_LOCK = 0x5746_504c; // "WFPL"

/**
 * Devices: plain WireGuard peers attached to one node. Creating one by `region` places it on
 * the online node of that region with the fewest devices; placements are serialised per
 * network so concurrent creations spread out instead of all picking the same node.
 */
export class DeviceService {
  constructor(private readonly deps: FleetWriteDeps) {}

  async list(afterId: number | undefined, limit: number, nodeId?: number): Promise<PublicDevice[]> {
    const rows = await this.deps
      .db('devices')
      .where({ network_id: this.deps.network.id })
      .modify((q) => {
        if (afterId !== undefined) q.where('id', '>', afterId);
        if (nodeId !== undefined) q.where('node_id', nodeId);
      })
      .orderBy('id')
      .limit(limit)
      .select<DeviceRow[]>('*');
    return rows.map(toPublic);
  }

  async create(
    request: CreateDeviceRequest,
    actor: string,
    ip: string,
  ): Promise<PublicDevice & { client_config: string }> {
    const { deps } = this;
    const { device, node } = await deps.db.transaction(async (trx) => {
      // Every node is bumped below; taken first like every multi-node bump (policy-bumps.ts).
      await lockPolicy(trx, deps.network.id);
      const host =
        'node_id' in request
          ? await this.nodeById(trx, request.node_id)
          : await this.place(trx, request.region);
      const address = await nextFreeAddress(trx, deps.network.id);
      let row: DeviceRow | undefined;
      try {
        [row] = await trx('devices')
          .insert({
            network_id: deps.network.id,
            node_id: host.id,
            name: request.name,
            wg_public_key: request.wg_public_key,
            tunnel_ip: address,
            tags: request.tags,
          })
          .returning<DeviceRow[]>('*');
      } catch (error) {
        throw wireguardKeyConflict(error) ?? error;
      }
      await claimAddress(trx, deps.network.id, address, { kind: 'device', id: Number(row!.id) });
      // The host gains a peer, and every other node routes the device's /32 through the host.
      await bumpRevisions(trx, { networkId: deps.network.id });
      await deps.audit.record(
        {
          type: 'device.created',
          actor,
          subject: `device:${row!.id}`,
          ip,
          data: { node_id: host.id, name: request.name },
        },
        trx,
      );
      return { device: row!, node: host };
    });
    deps.announce();
    return { ...toPublic(device), client_config: this.clientConfig(device, node) };
  }

  /** A new name or new tags; tags bump exactly the nodes whose compiled policy changes. */
  async patch(id: number, changes: PatchDeviceRequest, actor: string, ip: string): Promise<PublicDevice> {
    const { deps } = this;
    const row = await deps.db.transaction(async (trx) => {
      const result = await withPolicyBumps(trx, deps.network, async () => {
        const [updated] = await trx('devices')
          .where({ id, network_id: deps.network.id })
          .update({ ...changes })
          .returning<DeviceRow[]>('*');
        if (!updated) throw new WirefleetError('not_found');
        return { result: updated };
      });
      await deps.audit.record(
        { type: 'device.updated', actor, subject: `device:${id}`, ip, data: { fields: Object.keys(changes) } },
        trx,
      );
      return result;
    });
    deps.announce();
    return toPublic(row);
  }

  async delete(id: number, actor: string, ip: string): Promise<void> {
    const { deps } = this;
    await deps.db.transaction(async (trx) => {
      await lockPolicy(trx, deps.network.id);
      const row = await trx('devices')
        .where({ id, network_id: deps.network.id })
        .first<DeviceRow | undefined>();
      if (!row) throw new WirefleetError('not_found');
      await freeAddresses(trx, deps.network.id, [{ kind: 'device', id }]);
      await trx('devices').where({ id }).delete();
      await bumpRevisions(trx, { networkId: deps.network.id });
      await deps.audit.record(
        {
          type: 'device.deleted',
          actor,
          subject: `device:${id}`,
          ip,
          data: { node_id: Number(row.node_id) },
        },
        trx,
      );
    });
    deps.announce();
  }

  private async nodeById(trx: Knex.Transaction, nodeId: number): Promise<HostNode> {
    const node = await trx('nodes')
      .where({ id: nodeId, network_id: this.deps.network.id })
      .first<HostNode | undefined>(HOST_COLUMNS);
    if (!node)
      throw new WirefleetError('invalid_request', { errors: [{ path: 'node_id', message: 'no such node' }] });
    return node;
  }

  private async place(trx: Knex.Transaction, region: string): Promise<HostNode> {
    await trx.raw('SELECT pg_advisory_xact_lock(?, ?)', [PLACEMENT_LOCK, this.deps.network.id]);
    const node = await trx('nodes as n')
      .where({ 'n.network_id': this.deps.network.id, 'n.region': region, 'n.online': true })
      .leftJoin('devices as d', 'd.node_id', 'n.id')
      .groupBy('n.id')
      .orderByRaw('count(d.id), n.id')
      .first<HostNode | undefined>(HOST_COLUMNS.map((column) => `n.${column}`));
    if (!node)
      throw new WirefleetError('no_nodes_available_in_region', {
        detail: `no online node in region ${region}`,
      });
    return node;
  }

  /** A wg-quick file for the device; its private key never reaches the server, so it is left to fill in. */
  private clientConfig(device: DeviceRow, node: HostNode): string {
    const lines = [
      '[Interface]',
      '# PrivateKey = <the private key that belongs to this device public key>',
      `Address = ${device.tunnel_ip}/32`,
      '',
      '[Peer]',
      `PublicKey = ${node.wg_public_key}`,
      `AllowedIPs = ${this.deps.network.cidr}`,
    ];
    if (node.endpoint) lines.push(`Endpoint = ${node.endpoint}`);
    lines.push('PersistentKeepalive = 25', '');
    return lines.join('\n');
  }
}

interface HostNode {
  id: number;
  wg_public_key: string;
  endpoint: string | null;
}

const HOST_COLUMNS = ['id', 'wg_public_key', 'endpoint'];
