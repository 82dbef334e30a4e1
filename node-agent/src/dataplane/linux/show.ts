import { createPrivateKey, createPublicKey } from 'node:crypto';
import type { WgDeviceState } from './uapi-client.js';

/** PKCS#8 header of an X25519 private key; the raw 32 bytes follow it. */
const X25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

/** The base64 public key of a base64 X25519 private key (what `wg pubkey` prints). */
export function publicKeyOf(privateKey: string): string {
  const der = Buffer.concat([X25519_PKCS8_PREFIX, Buffer.from(privateKey, 'base64')]);
  const jwk = createPublicKey(createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })).export({
    format: 'jwk',
  });
  return Buffer.from(jwk.x ?? '', 'base64url').toString('base64');
}

/**
 * A `wg show <if>`-like rendering of a UAPI read, for hosts without `wg` installed. The
 * private key is never shown, as `wg show` does not show it either.
 */
export function renderWgShow(
  interfaceName: string,
  device: WgDeviceState,
  nowSec = Math.floor(Date.now() / 1000),
): string {
  const lines = [`interface: ${interfaceName}`];
  if (device.privateKey !== undefined) {
    lines.push(`  public key: ${publicKeyOf(device.privateKey)}`, '  private key: (hidden)');
  }
  if (device.listenPort !== undefined) lines.push(`  listening port: ${device.listenPort}`);
  for (const peer of device.peers) {
    lines.push('', `peer: ${peer.publicKey}`);
    if (peer.endpoint !== undefined) lines.push(`  endpoint: ${peer.endpoint}`);
    lines.push(`  allowed ips: ${peer.allowedIps.length > 0 ? peer.allowedIps.join(', ') : '(none)'}`);
    if (peer.lastHandshakeSec > 0)
      lines.push(`  latest handshake: ${Math.max(0, nowSec - peer.lastHandshakeSec)} seconds ago`);
    if (peer.rxBytes > 0 || peer.txBytes > 0)
      lines.push(`  transfer: ${peer.rxBytes} B received, ${peer.txBytes} B sent`);
    if (peer.persistentKeepalive > 0)
      lines.push(`  persistent keepalive: every ${peer.persistentKeepalive} seconds`);
  }
  return `${lines.join('\n')}\n`;
}
