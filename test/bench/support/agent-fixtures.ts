import { randomBytes, verify as cryptoVerify } from 'node:crypto';
import type { NodeConfigPayload } from '@wirefleet/shared/protocol';
import { CONFIG_JWS_TYP, type KeySet } from '@wirefleet/shared/tokens';
import jwt from 'jsonwebtoken';
import type { DesiredState } from '../../../node-agent/src/dataplane/dataplane.js';
import { createTokenFactory, type TokenFactory } from '../../support/forged-tokens.js';

export const NODE_ID = 1;
export const LISTEN_PORT = 51820;
/** The node's own address; every peer's /32 lies inside it, so the dataplane adds no routes. */
export const INTERFACE_ADDRESS = '100.96.0.1/16';

/**
 * Any 32 bytes are a WireGuard public key, so random bytes stand in for 10,000 X25519 key
 * pairs (generating real ones would only slow the setup down).
 */
export function randomKey(): string {
  return randomBytes(32).toString('base64');
}

function octets(n: number): string {
  return `${n >> 8}.${n & 255}`;
}

/** Peer i: tunnel address 100.96.x.y/32 (from .2 on), endpoint in 198.18.0.0/15 (the benchmarking range). */
export function makePeers(count: number): NodeConfigPayload['peers'] {
  return Array.from({ length: count }, (_, i) => ({
    public_key: randomKey(),
    allowed_ips: [`100.96.${octets(i + 2)}/32`],
    endpoint: `198.18.${octets(i + 2)}:${LISTEN_PORT}`,
  }));
}

/** A second /32 for peer i, still inside the node's /16 (a change that needs no route). */
export function extraAddress(i: number): string {
  return `100.96.${128 + ((i + 2) >> 8)}.${(i + 2) & 255}/32`;
}

export function makeForwards(count: number, targetPort: number): NodeConfigPayload['port_forwards'] {
  return Array.from({ length: count }, (_, i) => ({
    protocol: i % 2 === 0 ? ('tcp' as const) : ('udp' as const),
    public_port: 10_000 + i,
    target_ip: `100.96.${octets((i % 1000) + 2)}`,
    target_port: targetPort,
  }));
}

export function makeConfig(
  revision: number,
  peers: NodeConfigPayload['peers'],
  forwards: NodeConfigPayload['port_forwards'] = [],
): NodeConfigPayload {
  return {
    node_id: NODE_ID,
    revision,
    issued_at: new Date().toISOString(),
    interface: { address: INTERFACE_ADDRESS, listen_port: LISTEN_PORT },
    peers,
    port_forwards: forwards,
    masquerade: forwards.length > 0,
  };
}

/** The same peers as a `wg setconf` file: what the raw tool gets to do the same work. */
export function wgConfFile(privateKey: string, desired: DesiredState): string {
  const lines = ['[Interface]', `PrivateKey = ${privateKey}`, `ListenPort = ${desired.listenPort}`, ''];
  for (const peer of desired.peers) {
    lines.push('[Peer]', `PublicKey = ${peer.publicKey}`, `AllowedIPs = ${peer.allowedIps.join(', ')}`);
    if (peer.endpoint) lines.push(`Endpoint = ${peer.endpoint}`);
    lines.push('');
  }
  return lines.join('\n');
}

/** Signs configs exactly as the auth-api's signNodeConfig does (jwt.sign, ES256, config typ). */
export class ConfigSigner {
  readonly factory: TokenFactory = createTokenFactory();

  get keySet(): KeySet {
    return this.factory.keySet;
  }

  sign(config: NodeConfigPayload): string {
    const { privateKey, kid } = this.factory;
    return jwt.sign(config as unknown as Record<string, unknown>, privateKey, {
      algorithm: 'ES256',
      noTimestamp: true,
      header: { alg: 'ES256', typ: CONFIG_JWS_TYP, kid },
    });
  }
}

/** The floor of verifying: one ES256 signature check over the signing input, nothing decoded. */
export async function bareSignatureCheck(jws: string, keySet: KeySet, kid: string): Promise<boolean> {
  const key = await keySet.getKey(kid);
  if (!key) throw new Error('bench: no key');
  const cut = jws.lastIndexOf('.');
  return cryptoVerify(
    'sha256',
    Buffer.from(jws.slice(0, cut)),
    { key: key.key, dsaEncoding: 'ieee-p1363' },
    Buffer.from(jws.slice(cut + 1), 'base64url'),
  );
}
