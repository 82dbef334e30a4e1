import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { WirefleetError } from '@wirefleet/shared/errors';
import type { EnrollRequest } from '@wirefleet/shared/schemas';
import type { Knex } from 'knex';
import type { FleetWriteDeps } from '../fleet-deps.js';
import type { FleetGuard } from '../fleet-guard.js';
import { claimAddress, nextFreeAddress, wireguardKeyConflict } from '../network/index.js';
import { bumpRevisions, enqueue } from '../outbox/index.js';
import { lockPolicy } from '../policy/policy-store.js';
import type { EnrollmentKeyStore } from './enrollment-key-store.js';

export interface EnrollResult {
  node_id: number;
  node_secret: string;
  tunnel_ip: string;
  network_cidr: string;
  gateway_url: string;
}

const UNIQUE_VIOLATION = '23505';

export function hashNodeSecret(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}

/**
 * Enrolls a node in ONE transaction: spend the key, take an address, insert the node, bump
 * every other node's revision (the mesh gained a peer) and record the announcements. Any
 * failure — a taken name, a full network — rolls the key's use back with everything else.
 */
export interface EnrollServiceDeps extends FleetWriteDeps {
  guard: FleetGuard;
  /** Handed to the enrolled agent: where it connects. */
  gatewayPublicUrl: string;
}

export class EnrollService {
  constructor(
    private readonly deps: EnrollServiceDeps,
    private readonly keys: EnrollmentKeyStore,
  ) {}

  async enroll(request: EnrollRequest, ip: string): Promise<EnrollResult> {
    const { deps } = this;
    // Reserved before the key is looked up, so parallel guesses cannot outrun the limit.
    const ticket = await deps.guard.beforeEnroll(ip);
    const secret = `wfns_${randomBytes(32).toString('base64url')}`;
    let result: { nodeId: number; address: string };
    try {
      result = await deps.db.transaction((trx) => this.insertNode(trx, request, secret, ip));
    } catch (error) {
      // Only a wrong key is a guess; a valid key that hit a taken name or a full network is not.
      const guessed = error instanceof WirefleetError && error.code === 'invalid_enrollment_key';
      await (guessed ? ticket.failed() : ticket.release());
      throw enrollConflict(error) ?? error;
    }
    await ticket.succeeded();
    deps.announce();
    return {
      node_id: result.nodeId,
      node_secret: secret,
      tunnel_ip: result.address,
      network_cidr: deps.network.cidr,
      gateway_url: deps.gatewayPublicUrl,
    };
  }

  private async insertNode(
    trx: Knex.Transaction,
    request: EnrollRequest,
    secret: string,
    ip: string,
  ): Promise<{ nodeId: number; address: string }> {
    const { deps } = this;
    // Every other node is bumped below; taken first like every multi-node bump (policy-bumps.ts).
    await lockPolicy(trx, deps.network.id);
    const key = await this.keys.consume(trx, request.enrollment_key);
    if (!key) throw new WirefleetError('invalid_enrollment_key');
    const address = await nextFreeAddress(trx, deps.network.id);
    const [node] = await trx('nodes')
      .insert({
        network_id: deps.network.id,
        name: request.name,
        region: request.region ?? null,
        hostname: request.hostname ?? null,
        agent_version: request.agent_version ?? null,
        wg_public_key: request.wg_public_key,
        endpoint: request.endpoint ?? null,
        listen_port: request.listen_port ?? 51820,
        tunnel_ip: address,
        tags: key.tags,
        secret_hash: hashNodeSecret(secret),
        credential_id: randomUUID(),
        enrollment_key_id: key.id,
      })
      .returning<Array<{ id: number }>>('id');
    const nodeId = Number(node!.id);
    await claimAddress(trx, deps.network.id, address, { kind: 'node', id: nodeId });
    await bumpRevisions(trx, { networkId: deps.network.id, exceptNodeId: nodeId });
    await enqueue(trx, [
      {
        room: 'fleet',
        event: 'node.enrolled',
        data: { node_id: nodeId, name: request.name, region: request.region ?? null, tunnel_ip: address },
      },
    ]);
    await deps.audit.record(
      {
        type: 'node.enrolled',
        actor: `node:${nodeId}`,
        subject: `node:${nodeId}`,
        ip,
        data: { name: request.name, tunnel_ip: address },
      },
      trx,
    );
    await deps.audit.record(
      { type: 'enrollment_key.used', actor: `node:${nodeId}`, subject: `enrollment_key:${key.id}`, ip },
      trx,
    );
    return { nodeId, address };
  }
}

/** 409 for a WireGuard key another node or device holds, or for a taken node name. */
function enrollConflict(error: unknown): WirefleetError | undefined {
  const keyTaken = wireguardKeyConflict(error);
  if (keyTaken) return keyTaken;
  if ((error as { code?: string }).code !== UNIQUE_VIOLATION) return undefined;
  return new WirefleetError('conflict', { detail: 'a node with this name exists', cause: error });
}
