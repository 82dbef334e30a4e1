import type { NodeConfigPayload } from '@wirefleet/shared/protocol';
import {
  CONFIG_JWS_TYP,
  type KeySet,
  MAX_CONFIG_JWS_LENGTH,
  TokenError,
  verifyCompactJws,
} from '@wirefleet/shared/tokens';
import { ConfigChecker } from './config-check.js';

export type RefusalReason = 'bad_signature' | 'wrong_node' | 'stale_revision' | 'malformed';

/** A config the agent will not apply; it keeps running what it has and reports this. */
export class ConfigRefused extends Error {
  constructor(
    readonly reason: RefusalReason,
    message: string,
    readonly revision?: number,
  ) {
    super(message);
    this.name = 'ConfigRefused';
  }
}

/**
 * nodeConfigSchema's verdict: the hand-written check first (no zod on the hot path, nor in an
 * idle agent's memory); only a payload it does not pass is given to the schema itself, loaded
 * then, so that a refusal carries exactly the schema's first issue.
 */
async function parseConfig(payload: Record<string, unknown>, checker: ConfigChecker): Promise<NodeConfigPayload> {
  const checked = checker.check(payload);
  if (checked !== undefined) return checked;
  const { nodeConfigSchema } = await import('@wirefleet/shared/protocol');
  const parsed = nodeConfigSchema.safeParse(payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigRefused('malformed', `config is malformed at ${issue?.path.join('.')}: ${issue?.message}`);
  }
  return parsed.data;
}

/**
 * Verifies the signed configs one agent receives, one after another: a signature that does not
 * verify against the auth-api's keys, a config for another node, a revision older than the one
 * applied and a payload that is not a well-formed config are refused (fail closed), and what
 * is returned is the payload of the JWS — never an unsigned copy sent beside it. It remembers
 * the peers of the last well-formed config (see ConfigChecker), so a config that changes one
 * peer of 10,000 checks one peer.
 */
export class SignedConfigVerifier {
  private readonly checker = new ConfigChecker();

  constructor(
    private readonly keySet: KeySet,
    private readonly nodeId: number,
  ) {}

  async verify(jws: string, appliedRevision: number | undefined): Promise<NodeConfigPayload> {
    let payload: Record<string, unknown>;
    try {
      // One signature check (on the thread pool) and one decode + parse of the 1.7 MB payload.
      payload = (await verifyCompactJws(jws, this.keySet, { typ: CONFIG_JWS_TYP, maxLength: MAX_CONFIG_JWS_LENGTH }))
        .payload;
    } catch (error) {
      const reason = error instanceof TokenError ? error.reason : String(error);
      throw new ConfigRefused('bad_signature', `config signature refused: ${reason}`);
    }
    const config = await parseConfig(payload, this.checker);
    if (config.node_id !== this.nodeId) {
      throw new ConfigRefused('wrong_node', `config is for node ${config.node_id}, this is node ${this.nodeId}`, config.revision);
    }
    if (appliedRevision !== undefined && config.revision < appliedRevision) {
      throw new ConfigRefused(
        'stale_revision',
        `config revision ${config.revision} is older than the applied ${appliedRevision}`,
        config.revision,
      );
    }
    return config;
  }
}

/** One config verified on its own (SignedConfigVerifier without a memory of earlier configs). */
export function verifySignedConfig(
  jws: string,
  keySet: KeySet,
  expect: { nodeId: number; appliedRevision: number | undefined },
): Promise<NodeConfigPayload> {
  return new SignedConfigVerifier(keySet, expect.nodeId).verify(jws, expect.appliedRevision);
}
