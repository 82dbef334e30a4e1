import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { NodeConfigPayload } from '@wirefleet/shared/protocol';
import type { DesiredPeer, DesiredState } from '../dataplane/dataplane.js';

type ConfigPeer = NodeConfigPayload['peers'][number];
type Resolve = (host: string) => Promise<string>;

/** `a.b.c.d:port` with an IPv4 literal exactly as node:net's isIPv4 accepts it: the common case, one regex. */
const IPV4_ENDPOINT =
  /^((?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]\d|\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]\d|\d)):(\d{1,5})$/;

const resolveWithDns: Resolve = async (host) => (await lookup(host)).address;

function formatEndpoint(ip: string, port: number): string {
  return isIP(ip) === 6 ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/**
 * Fills in an endpoint that is not an IPv4 literal: IPv6 as is, a host name resolved. One that
 * does not parse or resolve leaves the peer without an endpoint (it can still reach us) rather
 * than failing the whole apply.
 */
async function completeEndpoint(desired: DesiredPeer, endpoint: string, resolve: Resolve): Promise<void> {
  // Loaded only for such endpoints: the schemas module builds every zod schema of the API.
  const { parseEndpoint } = await import('@wirefleet/shared/schemas');
  const parsed = parseEndpoint(endpoint);
  if (!parsed) return;
  if (isIP(parsed.host)) {
    desired.endpoint = formatEndpoint(parsed.host, parsed.port);
    return;
  }
  const ip = await resolve(parsed.host).catch(() => undefined);
  if (ip) desired.endpoint = formatEndpoint(ip, parsed.port);
}

/** One peer as a Dataplane takes it; `pending` while its endpoint still needs parsing or DNS. */
function convertPeer(peer: ConfigPeer, resolve: Resolve): { desired: DesiredPeer; pending?: Promise<void> } {
  const desired: DesiredPeer = { publicKey: peer.public_key, allowedIps: peer.allowed_ips };
  if (peer.persistent_keepalive !== undefined) desired.persistentKeepalive = peer.persistent_keepalive;
  if (!peer.endpoint) return { desired };
  // The common case first: an IPv4 literal with a valid port, which parseEndpoint + isIP would
  // turn into the same text. Names, IPv6 and anything odd take the general path.
  const literal = IPV4_ENDPOINT.exec(peer.endpoint);
  const port = literal ? Number(literal[2]) : 0;
  if (literal && port >= 1 && port <= 65535) {
    desired.endpoint = `${literal[1]}:${port}`;
    return { desired };
  }
  return { desired, pending: completeEndpoint(desired, peer.endpoint, resolve) };
}

/**
 * Turns verified configs into what a Dataplane applies, one config after another. WireGuard's
 * UAPI takes only `ip:port` endpoints, so host names are resolved here — again for every
 * config, so a moved host is followed. It remembers the peers it converted last time: a config
 * peer that is the very object converted at the same position before (SignedConfigVerifier
 * passes unchanged peers on as the same frozen objects) reuses its DesiredPeer, unless its
 * endpoint is not an IPv4 literal. So a one-peer change on 10,000 peers converts one peer.
 */
export class DesiredStateConverter {
  private lastPeers: readonly ConfigPeer[] = [];
  /** The DesiredPeer made for lastPeers[i], or undefined where it must be made again (DNS, IPv6). */
  private lastDesired: (DesiredPeer | undefined)[] = [];

  constructor(private readonly resolve: Resolve = resolveWithDns) {}

  async convert(config: NodeConfigPayload): Promise<DesiredState> {
    const lookups: Promise<void>[] = [];
    const reusable: (DesiredPeer | undefined)[] = new Array(config.peers.length);
    const peers: DesiredPeer[] = new Array(config.peers.length);
    for (let i = 0; i < config.peers.length; i += 1) {
      const peer = config.peers[i]!;
      // Only frozen peers were kept (below), so the same object is the same peer.
      const known = peer === this.lastPeers[i] ? this.lastDesired[i] : undefined;
      if (known !== undefined) {
        peers[i] = reusable[i] = known;
        continue;
      }
      const { desired, pending } = convertPeer(peer, this.resolve);
      peers[i] = desired;
      if (pending) lookups.push(pending);
      else if (Object.isFrozen(peer)) reusable[i] = Object.freeze(desired);
    }
    if (lookups.length > 0) await Promise.all(lookups);
    this.lastPeers = config.peers;
    this.lastDesired = reusable;
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
      // Only when the config has one: without a policy the state (and the table) is as before.
      ...(config.filter === undefined ? {} : { filter: config.filter }),
    };
  }
}

/** One config converted on its own (DesiredStateConverter without a memory of earlier configs). */
export function toDesiredState(
  config: NodeConfigPayload,
  resolve: Resolve = resolveWithDns,
): Promise<DesiredState> {
  return new DesiredStateConverter(resolve).convert(config);
}
