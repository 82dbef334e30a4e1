import { WirefleetError } from '@wirefleet/shared/errors';
import type { AgentReleases } from '../agent-releases/agent-releases.js';
import type { FleetWriteDeps } from '../fleet-deps.js';
import { bumpRevisions } from '../outbox/index.js';
import { lockPolicy } from '../policy/policy-store.js';
import { listWantedVersions, saveWantedVersion, type WantedVersion } from './wanted-version-store.js';

export interface WantedVersionRequest {
  /** null: no wanted version (nodes keep what they run). */
  version: string | null;
  /** Only for the nodes with these tags; absent: the whole network. */
  tags?: string[] | undefined;
}

export interface WantedVersionUpdate {
  items: WantedVersion[];
  /** How many nodes got a new configuration revision. */
  nodes_updated: number;
}

/**
 * Which agent version the network's nodes should run (issue #16). A choice names a release the
 * server holds (AgentReleases): its size and SHA-256 are stored with it and signed into every
 * config it applies to, and changing it re-signs those nodes' configs.
 */
export class AgentUpdateService {
  constructor(private readonly deps: FleetWriteDeps & { releases: Pick<AgentReleases, 'find'> }) {}

  async get(): Promise<{ items: WantedVersion[] }> {
    return { items: await listWantedVersions(this.deps.db, this.deps.network.id) };
  }

  async put(request: WantedVersionRequest, actor: string, ip: string): Promise<WantedVersionUpdate> {
    const { deps } = this;
    const release = request.version === null ? undefined : deps.releases.find(request.version);
    if (request.version !== null && !release)
      throw new WirefleetError('not_found', { detail: `no agent release ${request.version} on this server` });
    const wanted = release && {
      version: release.version,
      sha256: release.sha256,
      bytes: release.bytes,
      url: `/v1/agent/releases/${release.version}/${release.file}`,
    };
    const tags = request.tags ?? [''];
    const networkId = deps.network.id;
    const updated = await deps.db.transaction(async (trx) => {
      // Every multi-node bump is serialised by the policy lock (policy-bumps.ts).
      await lockPolicy(trx, networkId);
      for (const tag of tags) await saveWantedVersion(trx, networkId, tag, wanted, actor);
      const nodesUpdated =
        request.tags === undefined
          ? await bumpRevisions(trx, { networkId })
          : await bumpRevisions(trx, {
              nodeIds: (
                await trx('nodes')
                  .where({ network_id: networkId })
                  .whereRaw('tags && ?::text[]', [request.tags])
                  .orderBy('id')
                  .pluck('id')
              ).map(Number),
            });
      await deps.audit.record(
        {
          type: 'agent.wanted_version_set',
          actor,
          subject: `network:${networkId}`,
          ip,
          data: { version: request.version, tags: request.tags ?? null, nodes_updated: nodesUpdated },
        },
        trx,
      );
      return nodesUpdated;
    });
    deps.announce();
    return { items: await listWantedVersions(deps.db, networkId), nodes_updated: updated };
  }
}
