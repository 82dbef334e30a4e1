import { type NodeConfigPayload, nodeConfigSchema } from '@wirefleet/shared/protocol';
import { CONFIG_JWS_TYP, type KeySet, MAX_CONFIG_JWS_LENGTH, TokenError } from '@wirefleet/shared/tokens';
import { verifyCompactJwsPayload } from './verify-jws-once.js';

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

/** nodeConfigSchema without its hot array: the peers are checked by `checkPeers` below. */
const configWithoutPeers = nodeConfigSchema.omit({ peers: true });

// The same rules as nodeConfigSchema's peer entries (shared/src/protocol/node-config.ts).
const BASE64_KEY = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;
const CIDR_TEXT = /^[0-9A-Fa-f:.]+\/\d{1,3}$/;
const MAX_PEERS = 100_000;
const MAX_ALLOWED_IPS = 1024;
const MAX_ENDPOINT_LENGTH = 300;

type Peer = NodeConfigPayload['peers'][number];

/**
 * A hand-written check of `peers` with nodeConfigSchema's rules (32-byte base64 keys, CIDR
 * strings, at most 1024 allowed IPs, endpoint ≤ 300 characters, keepalive an integer 0–65535,
 * at most 100,000 peers), ~10× cheaper than zod per element. Returns the peers stripped of
 * unknown keys as zod would, or undefined at the first violation: the caller then lets zod
 * parse the whole payload, so a refusal carries exactly zod's first issue. It may only be
 * stricter than zod, never laxer — anything it is unsure about falls back.
 */
function checkPeers(value: unknown): Peer[] | undefined {
  if (!Array.isArray(value) || value.length > MAX_PEERS) return undefined;
  const out: Peer[] = new Array(value.length);
  for (let i = 0; i < value.length; i += 1) {
    const peer: unknown = value[i];
    if (typeof peer !== 'object' || peer === null || Array.isArray(peer)) return undefined;
    const { public_key, allowed_ips, endpoint, persistent_keepalive } = peer as Record<string, unknown>;
    if (typeof public_key !== 'string' || !BASE64_KEY.test(public_key)) return undefined;
    if (!Array.isArray(allowed_ips) || allowed_ips.length > MAX_ALLOWED_IPS) return undefined;
    for (const cidr of allowed_ips) if (typeof cidr !== 'string' || !CIDR_TEXT.test(cidr)) return undefined;
    const checked: Peer = { public_key, allowed_ips: allowed_ips.slice() as string[] };
    if (endpoint !== undefined) {
      if (typeof endpoint !== 'string' || endpoint.length > MAX_ENDPOINT_LENGTH) return undefined;
      checked.endpoint = endpoint;
    }
    if (persistent_keepalive !== undefined) {
      if (
        typeof persistent_keepalive !== 'number' ||
        !Number.isSafeInteger(persistent_keepalive) ||
        persistent_keepalive < 0 ||
        persistent_keepalive > 65535
      )
        return undefined;
      checked.persistent_keepalive = persistent_keepalive;
    }
    out[i] = checked;
  }
  return out;
}

/** nodeConfigSchema's verdict; the peers through the fast check, zod for the rest and for every refusal. */
function parseConfig(payload: Record<string, unknown>): NodeConfigPayload {
  const peers = checkPeers(payload.peers);
  if (peers !== undefined) {
    const rest = configWithoutPeers.safeParse(payload);
    if (rest.success) {
      const { node_id, revision, issued_at, interface: iface, port_forwards, masquerade } = rest.data;
      return { node_id, revision, issued_at, interface: iface, peers, port_forwards, masquerade };
    }
  }
  const parsed = nodeConfigSchema.safeParse(payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigRefused('malformed', `config is malformed at ${issue?.path.join('.')}: ${issue?.message}`);
  }
  return parsed.data;
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
  let payload: Record<string, unknown>;
  try {
    payload = (await verifyCompactJwsPayload(jws, keySet, { typ: CONFIG_JWS_TYP, maxLength: MAX_CONFIG_JWS_LENGTH }))
      .payload;
  } catch (error) {
    const reason = error instanceof TokenError ? error.reason : String(error);
    throw new ConfigRefused('bad_signature', `config signature refused: ${reason}`);
  }
  const config = parseConfig(payload);
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
