import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { NodeConfigPayload } from '@wirefleet/shared/protocol';
import { parseEndpoint } from '@wirefleet/shared/schemas';
import type { DesiredState } from '../dataplane/dataplane.js';

/**
 * Turns a verified config into what a Dataplane applies. WireGuard's UAPI takes only
 * `ip:port` endpoints, so host names are resolved here; one that does not resolve leaves that
 * peer without an endpoint (it can still reach us) rather than failing the whole apply.
 */
export async function toDesiredState(
  config: NodeConfigPayload,
  resolve: (host: string) => Promise<string> = async (host) => (await lookup(host)).address,
): Promise<DesiredState> {
  const peers = await Promise.all(
    config.peers.map(async (peer) => {
      let endpoint: string | undefined;
      const parsed = peer.endpoint ? parseEndpoint(peer.endpoint) : undefined;
      if (parsed) {
        const ip = isIP(parsed.host) ? parsed.host : await resolve(parsed.host).catch(() => undefined);
        if (ip) endpoint = isIP(ip) === 6 ? `[${ip}]:${parsed.port}` : `${ip}:${parsed.port}`;
      }
      return {
        publicKey: peer.public_key,
        allowedIps: peer.allowed_ips,
        ...(endpoint ? { endpoint } : {}),
        ...(peer.persistent_keepalive !== undefined ? { persistentKeepalive: peer.persistent_keepalive } : {}),
      };
    }),
  );
  return {
    revision: config.revision,
    address: config.interface.address,
    listenPort: config.interface.listen_port,
    peers,
    forwards: config.port_forwards.map((forward) => ({
      protocol: forward.protocol,
      publicPort: forward.public_port,
      targetIp: forward.target_ip,
      targetPort: forward.target_port,
    })),
    masquerade: config.masquerade,
  };
}
