import { timingSafeEqual } from 'node:crypto';
import { WirefleetError } from '@wirefleet/shared/errors';
import type { PatchNodeRequest } from '@wirefleet/shared/schemas';
import type { Knex } from 'knex';
import { nodeRevocation } from '@wirefleet/shared/revocations';
import { revocationEvent } from '../../identity/revocations/index.js';
import { hashNodeSecret } from '../enrollment/enroll-service.js';
import type { AccessTokenIssuer } from '../../identity/tokens/index.js';
import type { FleetWriteDeps } from '../fleet-deps.js';
import type { FleetGuard } from '../fleet-guard.js';
import { freeAddresses } from '../network/index.js';
import { bumpRevisions, enqueue } from '../outbox/index.js';
import { checkNoForwardOnListenPort } from '../port-forwards/port-forward-service.js';
import { type NodeRow, type PublicNode, toPublicNode } from './node-view.js';
import { checkNodeRoutes } from './route-check.js';
import { withPolicyBumps } from '../policy/policy-bumps.js';
import { lockPolicy } from '../policy/policy-store.js';

/** Fields whose change alters other nodes' configs (peers' endpoints, allowed IPs) or its own. */
const CONFIG_FIELDS = ['endpoint', 'listen_port', 'routes'] as const;

export interface NodeServiceDeps extends FleetWriteDeps {
  guard: FleetGuard;
  /** Issues node tokens for a right node secret. */
  tokens: AccessTokenIssuer;
}

export class NodeService {
  constructor(private readonly deps: NodeServiceDeps) {}

  async get(id: number): Promise<PublicNode> {
    const row = await this.deps
      .db('nodes')
      .where({ id, network_id: this.deps.network.id })
      .first<NodeRow | undefined>();
    if (!row) throw new WirefleetError('not_found');
    return toPublicNode(row);
  }

  async list(options: {
    afterId?: number | undefined;
    limit: number;
    region?: string | undefined;
    online?: boolean | undefined;
  }): Promise<PublicNode[]> {
    const rows = await this.deps
      .db('nodes')
      .where({ network_id: this.deps.network.id })
      .modify((q) => {
        if (options.afterId !== undefined) q.where('id', '>', options.afterId);
        if (options.region !== undefined) q.where('region', options.region);
        if (options.online !== undefined) q.where('online', options.online);
      })
      .orderBy('id')
      .limit(options.limit)
      .select<NodeRow[]>('*');
    return rows.map(toPublicNode);
  }

  /** Exchanges a node's id and secret for an access token (`sub: node:<id>`, `sid`: its credential). */
  async issueToken(
    nodeId: number,
    secret: string,
    ip: string,
  ): Promise<{ access_token: string; token_type: 'Bearer'; expires_in: number }> {
    const { deps } = this;
    // Reserved before the secret is compared, so parallel guesses cannot outrun the limit.
    const ticket = await deps.guard.beforeNodeToken(ip);
    let row: { secret_hash: Buffer; credential_id: string } | undefined;
    try {
      row = await deps.db('nodes').where({ id: nodeId }).first('secret_hash', 'credential_id');
    } catch (error) {
      await ticket.release();
      throw error;
    }
    const presented = hashNodeSecret(secret);
    // Compare against a fixed dummy when the node does not exist, so timing says nothing.
    const stored = row?.secret_hash ?? Buffer.alloc(presented.length);
    if (!row || !timingSafeEqual(stored, presented)) {
      await ticket.failed();
      throw new WirefleetError('invalid_node_credentials');
    }
    await ticket.succeeded();
    const issued = deps.tokens.issue({ sub: `node:${nodeId}`, role: 'node', sid: row.credential_id });
    return { access_token: issued.token, token_type: 'Bearer', expires_in: issued.expiresIn };
  }

  /** True while the node exists and `sid` is its current credential (tokens die with deletion). */
  async credentialValid(nodeId: number, sid: string): Promise<boolean> {
    return (await this.deps.db('nodes').where({ id: nodeId, credential_id: sid }).first('id')) !== undefined;
  }

  async patch(id: number, changes: PatchNodeRequest, actor: string, ip: string): Promise<PublicNode> {
    const { deps } = this;
    const row = await deps.db.transaction(async (trx) => {
      await checkNodeRoutes(trx, deps.network, id, changes);
      // Tags and the exit-node mark change only what the access policy compiles to: they bump
      // exactly the nodes whose peers or filter change (none while no policy is set).
      await withPolicyBumps(trx, deps.network, async () => {
        await this.update(trx, id, changes);
        // After the UPDATE, which holds the node's row: a forward being created waits or is seen.
        if (changes.listen_port !== undefined) await checkNoForwardOnListenPort(trx, id, changes.listen_port);
        const seenByOthers = CONFIG_FIELDS.some((field) => changes[field] !== undefined);
        return { result: undefined, bump: seenByOthers ? 'network' : [] };
      });
      await deps.audit.record(
        { type: 'node.updated', actor, subject: `node:${id}`, ip, data: { fields: Object.keys(changes) } },
        trx,
      );
      return (await trx('nodes').where({ id }).first<NodeRow>())!;
    });
    deps.announce();
    return toPublicNode(row);
  }

  private async update(trx: Knex.Transaction, id: number, changes: PatchNodeRequest): Promise<void> {
    const update: Record<string, unknown> = { updated_at: trx.fn.now() };
    for (const field of ['name', 'endpoint', 'listen_port', 'region', 'exit_node'] as const) {
      if (changes[field] !== undefined) update[field] = changes[field];
    }
    if (changes.routes !== undefined) update.routes = trx.raw('?::cidr[]', [changes.routes]);
    if (changes.tags !== undefined) update.tags = changes.tags;
    try {
      const updated = await trx('nodes').where({ id, network_id: this.deps.network.id }).update(update);
      if (updated === 0) throw new WirefleetError('not_found');
    } catch (error) {
      if ((error as { code?: string }).code === '23505')
        throw new WirefleetError('conflict', { detail: 'a node with this name exists', cause: error });
      throw error;
    }
  }

  /**
   * Offboards a node: its row (and with it its secret, devices, forwards and commands) goes,
   * its addresses are freed, every other node drops it from its peers, and `node.deleted` in
   * its own room makes the gateway close its connection with 4003.
   */
  async delete(id: number, actor: string, ip: string): Promise<void> {
    const { deps } = this;
    await deps.db.transaction(async (trx) => {
      await lockPolicy(trx, deps.network.id);
      const node = await trx('nodes')
        .where({ id, network_id: deps.network.id })
        .forUpdate()
        .first<NodeRow | undefined>();
      if (!node) throw new WirefleetError('not_found');
      const devices = await trx('devices').where({ node_id: id }).select<Array<{ id: number }>>('id');
      await freeAddresses(trx, deps.network.id, [
        { kind: 'node', id },
        ...devices.map((device) => ({ kind: 'device' as const, id: Number(device.id) })),
      ]);
      await trx('nodes').where({ id }).delete();
      await bumpRevisions(trx, { networkId: deps.network.id });
      await enqueue(trx, [
        { room: `node:${id}`, event: 'node.deleted', data: { node_id: id } },
        { room: 'fleet', event: 'node.deleted', data: { node_id: id, name: node.name } },
        // Refused at every gateway's upgrade, not only disconnected: its token outlives it.
        revocationEvent(nodeRevocation(id, Date.now())),
      ]);
      await deps.audit.record(
        {
          type: 'node.deleted',
          actor,
          subject: `node:${id}`,
          ip,
          data: { name: node.name, devices: devices.length },
        },
        trx,
      );
    });
    deps.announce();
  }
}
