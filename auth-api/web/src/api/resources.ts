/**
 * The API's resources as the dashboard reads them (the auth-api's OpenAPI components, see
 * /openapi.json). Requests are validated with the shared zod schemas instead.
 */
import type { CommandType, PolicyDocument, PolicyIssue } from '@wirefleet/shared/schemas';

export type Role = 'admin' | 'operator' | 'viewer';

export interface User {
  id: number;
  username: string;
  role: Role;
  totp_enabled: boolean;
  disabled: boolean;
  created_at: string;
  updated_at: string;
  last_login_at: string | null;
}

export interface TokenPair {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token: string;
  refresh_expires_in: number;
}

export interface PeerStats {
  public_key: string;
  endpoint?: string;
  /** Seconds since the epoch of the last WireGuard handshake, when there was one. */
  latest_handshake?: number;
  rx_bytes: number;
  tx_bytes: number;
}

export interface FleetNode {
  id: number;
  name: string;
  region: string | null;
  hostname: string | null;
  agent_version: string | null;
  tunnel_ip: string;
  endpoint: string | null;
  listen_port: number;
  wg_public_key: string;
  routes: string[];
  tags: string[];
  online: boolean;
  last_seen_at: string | null;
  desired_revision: number;
  applied_revision: number | null;
  last_error: string | null;
  drift: boolean;
  state_digest: string | null;
  peers: PeerStats[] | null;
  /** From live `node.status` events: how many peers the node reported last. */
  peer_count?: number;
  created_at: string;
  updated_at: string;
}

export interface Device {
  id: number;
  name: string;
  node_id: number;
  wg_public_key: string;
  tunnel_ip: string;
  /** Names the access policy matches (`tag:<name>`). */
  tags: string[];
  created_at: string;
}

export interface CreatedDevice extends Device {
  client_config: string;
}

export interface PortForward {
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

export interface ServiceTemplate {
  name: string;
  description: string;
  ports: Array<{ protocol: 'tcp' | 'udp'; port: number }>;
}

export type CommandStatus = 'queued' | 'sent' | 'succeeded' | 'failed' | 'expired';

export interface Command {
  id: string;
  node_id: number;
  type: CommandType;
  args: Record<string, unknown>;
  status: CommandStatus;
  result: unknown;
  error: string | null;
  created_at: string;
  sent_at: string | null;
  completed_at: string | null;
  expires_at: string;
}

export type EnrollmentKeyState = 'created' | 'used' | 'expired' | 'revoked';

export interface EnrollmentKey {
  id: string;
  prefix: string;
  reusable: boolean;
  max_uses: number | null;
  uses: number;
  tags: string[];
  state: EnrollmentKeyState;
  expires_at: string;
  created_at: string;
  last_used_at: string | null;
  created_by: string | null;
}

export interface CreatedEnrollmentKey extends EnrollmentKey {
  key: string;
}

export interface AuditEvent {
  id: number;
  at: string;
  type: string;
  actor: string | null;
  subject: string | null;
  ip: string | null;
  data: Record<string, unknown>;
}

/** `GET /v1/policy`: version 0 and `policy: null` until the first `PUT` (everything reaches everything). */
export interface PolicyState {
  policy: PolicyDocument | null;
  version: number;
  updated_at: string | null;
  updated_by: string | null;
}

/** One stored version, as `GET /v1/policy/versions` lists them (newest first). */
export interface PolicyVersion extends PolicyDocument {
  version: number;
  created_at: string;
  created_by: string;
}

/** `PUT /v1/policy`'s answer: the document passed, its tests passed, and it is in force. */
export interface PolicyUpdate {
  version: number;
  /** Accepted, but probably not what was meant (a tag nobody carries yet, a duplicate rule). */
  warnings: PolicyIssue[];
  nodes_updated?: number;
}

/** `POST /v1/policy/check`: allowed or not, and what decided it. */
export interface PolicyCheckAnswer {
  allow: boolean;
  /** The first rule that allows it, when `reason` is `rule`. */
  rule_index?: number;
  reason: 'rule' | 'port_forward' | 'no_policy' | 'no_rule';
}

export interface Page<T> {
  items: T[];
  next_cursor?: string;
}

export const canOperate = (role: Role | undefined): boolean => role === 'admin' || role === 'operator';
export const isAdmin = (role: Role | undefined): boolean => role === 'admin';
