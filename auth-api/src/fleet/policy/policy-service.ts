import { WirefleetError } from '@wirefleet/shared/errors';
import type { PolicyCheckRequest, PolicyDocument, PolicyIssue } from '@wirefleet/shared/schemas';
import type { FleetWriteDeps } from '../fleet-deps.js';
import { bumpRevisions, enqueue } from '../outbox/index.js';
import { affectedNodes, type CheckAnswer, checkAccess, runPolicyTests, validatePolicy } from './compiler/index.js';
import { loadPolicyInputs } from './policy-inputs.js';
import {
  currentPolicy,
  insertPolicyVersion,
  listPolicyVersions,
  lockPolicy,
  type PolicyVersion,
  policyVersion,
} from './policy-store.js';

/** `GET /v1/policy`: version 0 and `policy: null` until the first `PUT`. */
export interface PublicPolicy {
  policy: PolicyDocument | null;
  version: number;
  updated_at: string | null;
  updated_by: string | null;
}

export interface PublicPolicyVersion extends PolicyDocument {
  /** The version number again: every listed resource has an `id` (and a cursor built from it). */
  id: number;
  version: number;
  created_at: string;
  created_by: string;
}

export interface PolicyUpdate {
  version: number;
  /** Unknown tags and the like: accepted, but probably not what the author meant. */
  warnings: PolicyIssue[];
  /** How many nodes got a new configuration revision. */
  nodes_updated: number;
}

/** `rules[3].dst[1]` → `rules.3.dst.1`: the path style of every other 400 of the API. */
const dotted = (issue: PolicyIssue): PolicyIssue => ({ ...issue, path: issue.path.replace(/\[(\d+)\]/g, '.$1') });

const toPublicVersion = (row: PolicyVersion): PublicPolicyVersion => ({
  id: row.version,
  version: row.version,
  rules: row.document.rules,
  tests: row.document.tests,
  created_at: row.created_at.toISOString(),
  created_by: row.created_by,
});

/**
 * The network's access policy (CONTRACT §8): versions kept whole, each `PUT` validated and
 * its tests run against the fleet as it is, and only the nodes whose compiled configuration
 * changes get a new revision.
 */
export class PolicyService {
  constructor(private readonly deps: FleetWriteDeps) {}

  async get(): Promise<PublicPolicy> {
    const current = await currentPolicy(this.deps.db, this.deps.network.id);
    if (!current) return { policy: null, version: 0, updated_at: null, updated_by: null };
    return {
      policy: current.document,
      version: current.version,
      updated_at: current.created_at.toISOString(),
      updated_by: current.created_by,
    };
  }

  async versions(beforeVersion: number | undefined, limit: number): Promise<PublicPolicyVersion[]> {
    return (await listPolicyVersions(this.deps.db, this.deps.network.id, beforeVersion, limit)).map(toPublicVersion);
  }

  async version(version: number): Promise<PublicPolicyVersion> {
    const row = await policyVersion(this.deps.db, this.deps.network.id, version);
    if (!row) throw new WirefleetError('not_found');
    return toPublicVersion(row);
  }

  async put(document: PolicyDocument, actor: string, ip: string): Promise<PolicyUpdate> {
    const { deps } = this;
    const update = await deps.db.transaction(async (trx) => {
      await lockPolicy(trx, deps.network.id);
      const before = await loadPolicyInputs(trx, deps.network);
      const after = { ...before, document };
      const { errors, warnings } = validatePolicy(document, before.members);
      const failures = errors.length > 0 ? errors : runPolicyTests(after);
      if (failures.length > 0) throw new WirefleetError('invalid_policy', { errors: failures.map(dotted) });
      const stored = await insertPolicyVersion(trx, deps.network.id, document, actor);
      const bumped = affectedNodes(before, after);
      await bumpRevisions(trx, { nodeIds: bumped });
      await enqueue(trx, [{ room: 'fleet', event: 'policy.updated', data: { version: stored.version } }]);
      await deps.audit.record(
        {
          type: 'policy.updated',
          actor,
          subject: `policy:${stored.version}`,
          ip,
          data: { rules: document.rules.length, tests: document.tests.length, nodes_updated: bumped.length },
        },
        trx,
      );
      return { version: stored.version, warnings: warnings.map(dotted), nodes_updated: bumped.length };
    });
    deps.announce();
    return update;
  }

  /** Would `src` be let through to `dst` on `port` under the policy in force? */
  async check(request: PolicyCheckRequest): Promise<CheckAnswer> {
    const inputs = await loadPolicyInputs(this.deps.db, this.deps.network);
    const answer = checkAccess(inputs, request.src, request.dst, request.port);
    if (!answer) throw new WirefleetError('not_found', { detail: 'no such node or device' });
    return answer;
  }
}
