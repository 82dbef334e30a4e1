import { type NodeConfigPayload, nodeConfigSchema } from '@wirefleet/shared/protocol';
import { CONFIG_JWS_TYP, type KeySet, MAX_CONFIG_JWS_LENGTH, TokenError, verifyCompactJws } from '@wirefleet/shared/tokens';

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
 * Verifies a signed config and returns its payload — the payload of the JWS, never an
 * unsigned copy sent beside it. Refuses (fail closed) a signature that does not verify
 * against the auth-api's keys, a config for another node, a revision older than the one
 * applied, and a payload that is not a well-formed config.
 */
export async function verifySignedConfig(
  jws: string,
  keySet: KeySet,
  expect: { nodeId: number; appliedRevision: number | undefined },
): Promise<NodeConfigPayload> {
  let payload: unknown;
  try {
    payload = (await verifyCompactJws(jws, keySet, { typ: CONFIG_JWS_TYP, maxLength: MAX_CONFIG_JWS_LENGTH })).payload;
  } catch (error) {
    const reason = error instanceof TokenError ? error.reason : String(error);
    throw new ConfigRefused('bad_signature', `config signature refused: ${reason}`);
  }
  const parsed = nodeConfigSchema.safeParse(payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigRefused('malformed', `config is malformed at ${issue?.path.join('.')}: ${issue?.message}`);
  }
  const config = parsed.data;
  if (config.node_id !== expect.nodeId) {
    throw new ConfigRefused('wrong_node', `config is for node ${config.node_id}, this is node ${expect.nodeId}`, config.revision);
  }
  if (expect.appliedRevision !== undefined && config.revision < expect.appliedRevision) {
    throw new ConfigRefused(
      'stale_revision',
      `config revision ${config.revision} is older than the applied ${expect.appliedRevision}`,
      config.revision,
    );
  }
  return config;
}
