import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { NodeConfigPayload } from '@wirefleet/shared/protocol';
import { parseEndpoint } from '@wirefleet/shared/schemas';
import type { DesiredPeer, DesiredState } from '../dataplane/dataplane.js';

/** `a.b.c.d:port` with an IPv4 literal exactly as node:net's isIPv4 accepts it: the common case, one regex. */
const IPV4_ENDPOINT =
  /^((?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]\d|\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]\d|\d)):(\d{1,5})$/;

function formatEndpoint(ip: string, port: number): string {
  return isIP(ip) === 6 ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/**
 * Turns a verified config into what a Dataplane applies. WireGuard's UAPI takes only
 * `ip:port` endpoints, so host names are resolved here; one that does not resolve leaves that
 * peer without an endpoint (it can still reach us) rather than failing the whole apply.
 * Only peers whose endpoint host is a name wait for DNS; the rest are converted in one pass.
 */
export async function toDesiredState(
  config: NodeConfigPayload,
  resolve: (host: string) => Promise<string> = async (host) => (await lookup(host)).address,
): Promise<DesiredState> {
  const lookups: Promise<void>[] = [];
  const peers = config.peers.map((peer): DesiredPeer => {
    const desired: DesiredPeer = { publicKey: peer.public_key, allowedIps: peer.allowed_ips };
    // The common case first: an IPv4 literal with a valid port, which parseEndpoint + isIP would
    // turn into the same text. Names, IPv6 and anything odd take the general path.
    const literal = peer.endpoint ? IPV4_ENDPOINT.exec(peer.endpoint) : null;
    const port = literal ? Number(literal[2]) : 0;
    if (literal && port >= 1 && port <= 65535) {
      desired.endpoint = `${literal[1]}:${port}`;
      if (peer.persistent_keepalive !== undefined) desired.persistentKeepalive = peer.persistent_keepalive;
      return desired;
    }
    const parsed = peer.endpoint ? parseEndpoint(peer.endpoint) : undefined;
    if (parsed) {
      if (isIP(parsed.host)) desired.endpoint = formatEndpoint(parsed.host, parsed.port);
      else {
        lookups.push(
          resolve(parsed.host).then(
            (ip) => {
              if (ip) desired.endpoint = formatEndpoint(ip, parsed.port);
            },
            () => undefined,
          ),
        );
      }
    }
    if (peer.persistent_keepalive !== undefined) desired.persistentKeepalive = peer.persistent_keepalive;
    return desired;
  });
  if (lookups.length > 0) await Promise.all(lookups);
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
