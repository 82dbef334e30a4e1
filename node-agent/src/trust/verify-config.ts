import type { NodeConfigPayload } from '@wirefleet/shared/protocol';
import { type KeySet, TokenError } from '@wirefleet/shared/tokens';
import { ConfigChecker, type ConfigPeer } from './config-check.js';
import { checkValidityWindow, verifyConfigJws } from './config-jws.js';
import { indexPayload, type PayloadIndex, readByDifference } from './peer-text-index.js';

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
async function parseConfig(
  payload: Record<string, unknown>,
  checker: ConfigChecker,
): Promise<NodeConfigPayload> {
  const checked = checker.check(payload);
  if (checked !== undefined) return checked;
  const { nodeConfigSchema } = await import('@wirefleet/shared/protocol');
  const parsed = nodeConfigSchema.safeParse(payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigRefused(
      'malformed',
      `config is malformed at ${issue?.path.join('.')}: ${issue?.message}`,
    );
  }
  return parsed.data;
}

/** The payload parsed whole, or why it does not parse (reported once the signature is known). */
function parseWhole(bytes: Buffer): Record<string, unknown> | TokenError {
  try {
    const payload: unknown = JSON.parse(bytes.toString('utf8'));
    if (typeof payload === 'object' && payload !== null && !Array.isArray(payload))
      return payload as Record<string, unknown>;
    return new TokenError('malformed', 'payload is not an object');
  } catch {
    return new TokenError('malformed', 'token segment is not JSON');
  }
}

/** The last config's payload, indexed (peer-text-index.ts), and the checked peers it was read into. */
interface LastPayload {
  index: PayloadIndex;
  peers: readonly ConfigPeer[];
}

/**
 * Verifies the signed configs one agent receives, one after another: a signature that does not
 * verify against the auth-api's keys, a config for another node, a revision older than the one
 * applied and a payload that is not a well-formed config are refused (fail closed), and what
 * is returned is the payload of the JWS — never an unsigned copy sent beside it. It remembers
 * the last well-formed config — its payload's text (PayloadIndex) and its checked peers
 * (ConfigChecker) — so a config that changes one peer of 10,000 parses and checks one peer.
 */
export class SignedConfigVerifier {
  private readonly checker = new ConfigChecker();
  private last: LastPayload | undefined;

  constructor(
    private readonly keySet: KeySet,
    private readonly nodeId: number,
  ) {}

  async verify(jws: string, appliedRevision: number | undefined): Promise<NodeConfigPayload> {
    const config = await this.readVerified(jws);
    if (config.node_id !== this.nodeId) {
      throw new ConfigRefused(
        'wrong_node',
        `config is for node ${config.node_id}, this is node ${this.nodeId}`,
        config.revision,
      );
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

  /** The signed payload, its signature verified and its fields checked (schema, nbf/exp). */
  private async readVerified(jws: string): Promise<NodeConfigPayload> {
    let bytes: Buffer;
    try {
      bytes = await verifyConfigJws(jws, this.keySet);
    } catch (error) {
      const reason = error instanceof TokenError ? error.reason : String(error);
      throw new ConfigRefused('bad_signature', `config signature refused: ${reason}`);
    }
    // Only while the checker still holds the peers that index was read into.
    const last = this.last?.peers === this.checker.lastPeers ? this.last : undefined;
    const spliced = last && readByDifference(last.index, bytes);
    const whole = spliced === undefined ? parseWhole(bytes) : undefined;
    try {
      if (whole instanceof TokenError) throw whole;
      checkValidityWindow(spliced?.rest ?? whole!);
    } catch (error) {
      const reason = error instanceof TokenError ? error.reason : String(error);
      throw new ConfigRefused('bad_signature', `config signature refused: ${reason}`);
    }
    const quick = spliced && this.checker.checkSpliced(spliced.rest, spliced.splice);
    if (spliced !== undefined && quick !== undefined) {
      this.last = { index: spliced.index, peers: quick.peers };
      return quick;
    }
    // Read whole: a first config, one the index cannot read, or one the quick check refused
    // (the schema then says why).
    const payload = whole ?? parseWhole(bytes);
    if (payload instanceof TokenError)
      throw new ConfigRefused('malformed', `config is malformed: ${payload.message}`);
    const config = await parseConfig(payload, this.checker);
    const index = indexPayload(bytes, payload.peers);
    this.last = index && { index, peers: config.peers };
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
