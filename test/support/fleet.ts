import { generateWireguardKeys } from '@wirefleet/node-agent';
import { call } from './auth-api.js';

/** A WireGuard key pair as the agent makes one (X25519, base64 as `wg` prints it). */
export const wgKeyPair = generateWireguardKeys;

export async function createEnrollmentKey(
  baseUrl: string,
  adminToken: string,
  body: Record<string, unknown> = {},
): Promise<{ id: string; key: string }> {
  const response = await call<{ id: string; key: string }>(baseUrl, 'POST', '/v1/enrollment-keys', { token: adminToken, body });
  if (response.status !== 201) throw new Error(`enrollment key: ${response.status} ${response.text}`);
  return response.body;
}

export interface EnrolledNode {
  node_id: number;
  node_secret: string;
  tunnel_ip: string;
  network_cidr: string;
  gateway_url: string;
  publicKey: string;
  privateKey: string;
}

export async function enrollNode(
  baseUrl: string,
  key: string,
  fields: Record<string, unknown> = {},
): Promise<EnrolledNode> {
  const keys = wgKeyPair();
  const response = await call<EnrolledNode>(baseUrl, 'POST', '/v1/nodes/enroll', {
    body: { enrollment_key: key, name: `node-${keys.publicKey.slice(0, 8).replace(/[^A-Za-z0-9]/g, 'x')}`, wg_public_key: keys.publicKey, ...fields },
  });
  if (response.status !== 201) throw new Error(`enroll: ${response.status} ${response.text}`);
  return { ...response.body, ...keys };
}

export async function nodeToken(baseUrl: string, node: { node_id: number; node_secret: string }): Promise<string> {
  const response = await call<{ access_token: string }>(baseUrl, 'POST', '/v1/nodes/token', {
    body: { node_id: node.node_id, node_secret: node.node_secret },
  });
  if (response.status !== 200) throw new Error(`node token: ${response.status} ${response.text}`);
  return response.body.access_token;
}
