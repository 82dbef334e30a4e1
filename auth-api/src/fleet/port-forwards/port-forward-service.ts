import { WirefleetError } from '@wirefleet/shared/errors';
import {
  type CreatePortForwardRequest,
  ipv4InCidr,
  parseCidr,
  type PatchPortForwardRequest,
} from '@wirefleet/shared/schemas';
import type { Knex } from 'knex';
import type { FleetWriteDeps } from '../fleet-deps.js';
import { withPolicyBumps } from '../policy/policy-bumps.js';

export interface PublicPortForward {
  id: number;
  node_id: number;
  protocol: 'tcp' | 'udp';
  public_port: number;
  target_ip: string;
  target_port: number;
  description: string | null;
  enabled: boolean;
  created_at: string;
  updated_at: string;
}

interface ForwardRow extends Omit<PublicPortForward, 'created_at' | 'updated_at'> {
  created_at: Date;
  updated_at: Date;
}

const toPublic = (row: ForwardRow): PublicPortForward => ({
  ...row,
  id: Number(row.id),
  node_id: Number(row.node_id),
  created_at: row.created_at.toISOString(),
  updated_at: row.updated_at.toISOString(),
});

export interface ServiceTemplate {
  name: string;
  description: string;
  ports: Array<{ protocol: 'tcp' | 'udp'; port: number }>;
}

/**
 * A udp forward on the node's WireGuard listen port would DNAT the tunnel's own packets away
 * from WireGuard (for traffic from outside the tunnel, which is where peers' handshakes come
 * from), cutting the node off its peers: 409 like any other taken port.
 */
function checkListenPort(
  forward: { protocol: 'tcp' | 'udp'; public_port: number },
  listenPort: number,
): void {
  if (forward.protocol === 'udp' && forward.public_port === listenPort) {
    throw new WirefleetError('conflict', {
      detail: `udp ${listenPort} is this node's WireGuard listen port`,
    });
  }
}

/**
 * The other direction of checkListenPort: a node may not move its listen port onto a udp
 * forward's public port (the agent would refuse every config from then on). In the caller's
 * transaction, after it locked the node's row, so a forward created meanwhile waits for it.
 */
export async function checkNoForwardOnListenPort(
  trx: Knex.Transaction,
  nodeId: number,
  listenPort: number,
): Promise<void> {
  const taken = await trx('port_forwards')
    .where({ node_id: nodeId, protocol: 'udp', public_port: listenPort })
    .first('id');
  if (taken)
    throw new WirefleetError('conflict', { detail: `a udp port forward of this node uses ${listenPort}` });
}

/**
 * Port forwards: DNAT of `protocol/public_port` on a node to a tunnel address. Only the node
 * running the forward changes, so only its revision is bumped. `description` is stored and
 * served verbatim and never leaves the API: the config a node receives has no such field.
 */
export class PortForwardService {
  constructor(private readonly deps: FleetWriteDeps) {}

  async list(nodeId: number): Promise<PublicPortForward[]> {
    await this.requireNode(this.deps.db, nodeId);
    const rows = await this.deps
      .db('port_forwards')
      .where({ node_id: nodeId })
      .orderBy('id')
      .select<ForwardRow[]>('*');
    return rows.map(toPublic);
  }

  async create(
    nodeId: number,
    requests: CreatePortForwardRequest[],
    actor: string,
    ip: string,
  ): Promise<PublicPortForward[]> {
    const { deps } = this;
    for (const request of requests) this.checkTarget(request.target_ip);
    const rows = await deps.db.transaction((trx) =>
      withPolicyBumps(trx, deps.network, async () => {
      const listenPort = await this.requireNode(trx, nodeId);
      const created: ForwardRow[] = [];
      for (const request of requests) {
        checkListenPort(request, listenPort);
        await this.checkTargetAllocated(trx, request.target_ip);
        const [row] = await this.write(() =>
          trx('port_forwards')
            .insert({ node_id: nodeId, ...request, description: request.description ?? null })
            .returning<ForwardRow[]>('*'),
        );
        created.push(row!);
        await deps.audit.record(
          {
            type: 'port_forward.created',
            actor,
            subject: `port_forward:${row!.id}`,
            ip,
            data: { node_id: nodeId, protocol: row!.protocol, public_port: row!.public_port },
          },
          trx,
        );
      }
      // Its node renders the DNAT; with a policy, the target's node also admits the forward.
      return { result: created, bump: [nodeId] };
    }));
    deps.announce();
    return rows.map(toPublic);
  }

  async patch(
    id: number,
    changes: PatchPortForwardRequest,
    actor: string,
    ip: string,
  ): Promise<PublicPortForward> {
    const { deps } = this;
    if (changes.target_ip !== undefined) this.checkTarget(changes.target_ip);
    const row = await deps.db.transaction((trx) =>
      withPolicyBumps(trx, deps.network, async () => {
      const current = await trx('port_forwards as f')
        .join('nodes as n', 'n.id', 'f.node_id')
        .where({ 'f.id': id, 'n.network_id': deps.network.id })
        .forNoKeyUpdate('n')
        .first<{ protocol: 'tcp' | 'udp'; public_port: number; listen_port: number } | undefined>(
          'f.protocol',
          'f.public_port',
          'n.listen_port',
        );
      if (!current) throw new WirefleetError('not_found');
      checkListenPort(
        {
          protocol: changes.protocol ?? current.protocol,
          public_port: changes.public_port ?? current.public_port,
        },
        current.listen_port,
      );
      if (changes.target_ip !== undefined) await this.checkTargetAllocated(trx, changes.target_ip);
      const [updated] = await this.write(() =>
        trx('port_forwards')
          .where({ id })
          .update({ ...changes, updated_at: trx.fn.now() })
          .returning<ForwardRow[]>('*'),
      );
      if (!updated) throw new WirefleetError('not_found');
      await deps.audit.record(
        {
          type: 'port_forward.updated',
          actor,
          subject: `port_forward:${id}`,
          ip,
          data: { fields: Object.keys(changes) },
        },
        trx,
      );
      return { result: updated, bump: [Number(updated.node_id)] };
    }));
    deps.announce();
    return toPublic(row);
  }

  async delete(id: number, actor: string, ip: string): Promise<void> {
    const { deps } = this;
    await deps.db.transaction((trx) =>
      withPolicyBumps(trx, deps.network, async () => {
      const [row] = await trx('port_forwards').where({ id }).delete().returning<ForwardRow[]>('*');
      if (!row) throw new WirefleetError('not_found');
      await deps.audit.record(
        {
          type: 'port_forward.deleted',
          actor,
          subject: `port_forward:${id}`,
          ip,
          data: { node_id: Number(row.node_id) },
        },
        trx,
      );
      return { result: undefined, bump: [Number(row.node_id)] };
    }));
    deps.announce();
  }

  async templates(): Promise<ServiceTemplate[]> {
    return this.deps
      .db('service_templates')
      .orderBy('name')
      .select<ServiceTemplate[]>('name', 'description', 'ports');
  }

  async fromTemplate(
    nodeId: number,
    templateName: string,
    targetIp: string,
    actor: string,
    ip: string,
  ): Promise<PublicPortForward[]> {
    const template = await this.deps
      .db('service_templates')
      .where({ name: templateName })
      .first<ServiceTemplate | undefined>();
    if (!template) {
      throw new WirefleetError('invalid_request', {
        errors: [{ path: 'template', message: `no template named ${templateName}` }],
      });
    }
    return this.create(
      nodeId,
      template.ports.map((entry) => ({
        protocol: entry.protocol,
        public_port: entry.port,
        target_ip: targetIp,
        target_port: entry.port,
        description: `${template.name} (template)`,
        enabled: true,
      })),
      actor,
      ip,
    );
  }

  /** A forward may only point into the tunnel network: never at the node's LAN or the internet. */
  private checkTarget(targetIp: string): void {
    if (!ipv4InCidr(targetIp, parseCidr(this.deps.network.cidr)!)) {
      throw new WirefleetError('invalid_request', {
        errors: [{ path: 'target_ip', message: `must be a tunnel address in ${this.deps.network.cidr}` }],
      });
    }
  }

  /**
   * The target must be the address of a node or device that exists now: the network and
   * broadcast addresses and free addresses are never allocated, so they fail this too. A
   * target deleted later takes its forward's traffic nowhere, like any stale forward.
   */
  private async checkTargetAllocated(trx: Knex.Transaction, targetIp: string): Promise<void> {
    const owner = await trx('ip_allocations')
      .where({ network_id: this.deps.network.id, address: targetIp })
      .first('owner_kind');
    if (!owner) {
      throw new WirefleetError('invalid_request', {
        errors: [{ path: 'target_ip', message: 'must be the tunnel address of an existing node or device' }],
      });
    }
  }

  /**
   * The node's WireGuard listen port; 404 when the node is not in this network. The row is read
   * locked: a concurrent change of the listen port waits for this transaction and then sees
   * its forwards (checkNoForwardOnListenPort), or this read waits for that change and sees it.
   */
  private async requireNode(db: Knex, nodeId: number): Promise<number> {
    const node = await db('nodes')
      .where({ id: nodeId, network_id: this.deps.network.id })
      // NO KEY UPDATE, the lock bumpRevisions takes on this row later in the transaction: with
      // FOR SHARE two concurrent creates both held it and deadlocked upgrading it.
      .forNoKeyUpdate()
      .first<{ listen_port: number } | undefined>('listen_port');
    if (!node) throw new WirefleetError('not_found');
    return node.listen_port;
  }

  private async write<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      if ((error as { code?: string }).code === '23505') {
        throw new WirefleetError('conflict', {
          detail: 'this node already forwards that protocol and public port',
          cause: error,
        });
      }
      throw error;
    }
  }
}
