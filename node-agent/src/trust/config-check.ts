import type { NodeConfigPayload } from '@wirefleet/shared/protocol';

export type ConfigPeer = NodeConfigPayload['peers'][number];
type ConfigForward = NodeConfigPayload['port_forwards'][number];
type ConfigFilter = NonNullable<NodeConfigPayload['filter']>;
type ConfigFilterEntry = ConfigFilter['inbound'][number];

// nodeConfigSchema's rules (shared/src/protocol/node-config.ts), written out by hand. The unit
// tests check, property by property, that this module and the schema agree on every input.
const BASE64_KEY = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;
const CIDR_TEXT = /^[0-9A-Fa-f:.]+\/\d{1,3}$/;
const MAX_PEERS = 100_000;
const MAX_ALLOWED_IPS = 1024;
const MAX_ENDPOINT_LENGTH = 300;
const MAX_FORWARDS = 10_000;
const MAX_TARGET_IP_LENGTH = 45;
const MAX_FILTER_ENTRIES = 100_000;
const MAX_FILTER_FROM = 100_000;
const MAX_FILTER_TO = 10_000;
const MAX_FILTER_PORT_RANGES = 64;
const FILTER_PROTOCOLS: readonly unknown[] = ['tcp', 'udp', 'icmp', 'any'];
const RELEASE_VERSION = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/;
const HEX_SHA256 = /^[0-9a-f]{64}$/;
const API_PATH = /^\/v1\/[A-Za-z0-9._~/-]+$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isInteger(value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max;
}

const isPort = (value: unknown): value is number => isInteger(value, 1, 65535);
const isCidrText = (value: unknown): value is string => typeof value === 'string' && CIDR_TEXT.test(value);

/** One peer checked from scratch: a new frozen object with only the schema's keys, or undefined. */
function checkPeer(value: unknown): ConfigPeer | undefined {
  if (!isRecord(value)) return undefined;
  const { public_key, allowed_ips, endpoint, persistent_keepalive } = value;
  if (typeof public_key !== 'string' || !BASE64_KEY.test(public_key)) return undefined;
  if (!Array.isArray(allowed_ips) || allowed_ips.length > MAX_ALLOWED_IPS || !allowed_ips.every(isCidrText)) {
    return undefined;
  }
  const peer: ConfigPeer = { public_key, allowed_ips: Object.freeze(allowed_ips.slice()) as string[] };
  if (endpoint !== undefined) {
    if (typeof endpoint !== 'string' || endpoint.length > MAX_ENDPOINT_LENGTH) return undefined;
    peer.endpoint = endpoint;
  }
  if (persistent_keepalive !== undefined) {
    if (!isInteger(persistent_keepalive, 0, 65535)) return undefined;
    peer.persistent_keepalive = persistent_keepalive;
  }
  return Object.freeze(peer);
}

/** Whether `value` has exactly the fields of `known`, a peer this module checked and froze. */
function sameAsChecked(value: unknown, known: ConfigPeer): boolean {
  if (!isRecord(value)) return false;
  if (value.public_key !== known.public_key || value.endpoint !== known.endpoint) return false;
  if (value.persistent_keepalive !== known.persistent_keepalive) return false;
  const ips = value.allowed_ips;
  const knownIps = known.allowed_ips;
  if (!Array.isArray(ips) || ips.length !== knownIps.length) return false;
  for (let i = 0; i < ips.length; i += 1) if (ips[i] !== knownIps[i]) return false;
  return true;
}

/**
 * The peers, checked. `previous` is the peer list a ConfigChecker passed for an earlier config:
 * a peer whose fields equal (===) those of the previous peer at its position passes as that same
 * frozen object without being checked again — the schema's verdict and output depend on those
 * fields only (unknown keys are stripped) — so a one-peer change on 10,000 peers checks one peer.
 */
function checkPeers(value: unknown, previous: readonly ConfigPeer[]): ConfigPeer[] | undefined {
  if (!Array.isArray(value) || value.length > MAX_PEERS) return undefined;
  const peers: ConfigPeer[] = new Array(value.length);
  for (let i = 0; i < value.length; i += 1) {
    const known = previous[i];
    const peer = known !== undefined && sameAsChecked(value[i], known) ? known : checkPeer(value[i]);
    if (peer === undefined) return undefined;
    peers[i] = peer;
  }
  return peers;
}

function checkForward(value: unknown): ConfigForward | undefined {
  if (!isRecord(value)) return undefined;
  const { protocol, public_port, target_ip, target_port } = value;
  if (protocol !== 'tcp' && protocol !== 'udp') return undefined;
  if (!isPort(public_port) || !isPort(target_port)) return undefined;
  if (typeof target_ip !== 'string' || target_ip.length > MAX_TARGET_IP_LENGTH) return undefined;
  return { protocol, public_port, target_ip, target_port };
}

/** A list of CIDR texts of min..max items, copied; undefined when the schema would refuse it. */
function checkCidrList(value: unknown, min: number, max: number): string[] | undefined {
  if (!Array.isArray(value) || value.length < min || value.length > max || !value.every(isCidrText))
    return undefined;
  return value.slice();
}

function checkPortRanges(value: unknown): [number, number][] | undefined {
  if (!Array.isArray(value) || value.length < 1 || value.length > MAX_FILTER_PORT_RANGES) return undefined;
  const ranges: [number, number][] = [];
  for (const range of value) {
    if (!Array.isArray(range) || range.length !== 2 || !isPort(range[0]) || !isPort(range[1]))
      return undefined;
    ranges.push([range[0], range[1]]);
  }
  return ranges;
}

function checkFilterEntry(value: unknown): ConfigFilterEntry | undefined {
  if (!isRecord(value) || !FILTER_PROTOCOLS.includes(value.proto)) return undefined;
  const from = checkCidrList(value.from, 1, MAX_FILTER_FROM);
  if (from === undefined) return undefined;
  const entry: ConfigFilterEntry = { from, proto: value.proto as ConfigFilterEntry['proto'] };
  if (value.to !== undefined) {
    const to = checkCidrList(value.to, 1, MAX_FILTER_TO);
    if (to === undefined) return undefined;
    entry.to = to;
  }
  if (value.ports !== undefined) {
    const ports = checkPortRanges(value.ports);
    if (ports === undefined) return undefined;
    entry.ports = ports;
  }
  return entry;
}

/**
 * The filter as the schema checks it: shapes and limits only. What the values mean (IPv4, low
 * ≤ high, ports only with tcp/udp) is the renderer's check, which fails the apply and says why.
 */
function checkFilter(value: unknown): ConfigFilter | undefined {
  if (!isRecord(value) || !Array.isArray(value.inbound) || value.inbound.length > MAX_FILTER_ENTRIES)
    return undefined;
  const inbound: ConfigFilterEntry[] = [];
  for (const item of value.inbound) {
    const entry = checkFilterEntry(item);
    if (entry === undefined) return undefined;
    inbound.push(entry);
  }
  return { inbound };
}

type AgentUpdate = NonNullable<NodeConfigPayload['agent_update']>;

function checkAgentUpdate(value: unknown): AgentUpdate | undefined {
  if (!isRecord(value)) return undefined;
  const { version, sha256, bytes, url } = value;
  if (typeof version !== 'string' || version.length > 64 || !RELEASE_VERSION.test(version)) return undefined;
  if (typeof sha256 !== 'string' || !HEX_SHA256.test(sha256)) return undefined;
  if (!isInteger(bytes, 1, 256 * 1024 * 1024)) return undefined;
  if (typeof url !== 'string' || url.length > 300 || !API_PATH.test(url)) return undefined;
  return { version, sha256, bytes, url };
}

type CheckedRest = Omit<NodeConfigPayload, 'peers'>;

/** Every field of a payload but `peers`, checked; undefined when the schema would refuse one. */
function checkRest(payload: Record<string, unknown>): CheckedRest | undefined {
  const { node_id, revision, issued_at, interface: iface, port_forwards, masquerade, filter } = payload;
  const update = payload.agent_update === undefined ? undefined : checkAgentUpdate(payload.agent_update);
  if (payload.agent_update !== undefined && update === undefined) return undefined;
  if (!isInteger(node_id, 1) || !isInteger(revision, 0) || typeof issued_at !== 'string') return undefined;
  if (!isRecord(iface) || !isCidrText(iface.address) || !isPort(iface.listen_port)) return undefined;
  if (typeof masquerade !== 'boolean') return undefined;
  if (!Array.isArray(port_forwards) || port_forwards.length > MAX_FORWARDS) return undefined;
  const forwards: ConfigForward[] = [];
  for (const value of port_forwards) {
    const forward = checkForward(value);
    if (forward === undefined) return undefined;
    forwards.push(forward);
  }
  const checkedFilter = filter === undefined ? undefined : checkFilter(filter);
  if (filter !== undefined && checkedFilter === undefined) return undefined;
  return {
    node_id,
    revision,
    issued_at,
    interface: { address: iface.address, listen_port: iface.listen_port },
    port_forwards: forwards,
    masquerade,
    ...(checkedFilter === undefined ? {} : { filter: checkedFilter }),
    ...(update === undefined ? {} : { agent_update: update }),
  };
}

function withPeers(rest: CheckedRest, peers: ConfigPeer[]): NodeConfigPayload {
  const { node_id, revision, issued_at, interface: iface, port_forwards, masquerade, filter } = rest;
  const update = rest.agent_update;
  return {
    node_id,
    revision,
    issued_at,
    interface: iface,
    peers,
    port_forwards,
    masquerade,
    ...(filter === undefined ? {} : { filter }),
    ...(update === undefined ? {} : { agent_update: update }),
  };
}

/** A peer list as the last one with `deleteCount` peers from `start` replaced by `items` (unchecked). */
export interface PeerListSplice {
  start: number;
  deleteCount: number;
  items: readonly unknown[];
}

/**
 * nodeConfigSchema.safeParse(payload) without zod, for the hot path: `check` returns the config
 * with unknown keys stripped, or undefined when the schema would refuse it — the caller then
 * asks the schema itself for the reason. It remembers the peers of the last config it passed
 * (frozen, so no caller can change them afterwards): a peer unchanged at its position is
 * compared with them instead of checked again.
 */
export class ConfigChecker {
  private previous: readonly ConfigPeer[] = [];

  /** The peers of the last config passed (the list `checkSpliced` splices). */
  get lastPeers(): readonly ConfigPeer[] {
    return this.previous;
  }

  check(payload: unknown): NodeConfigPayload | undefined {
    if (!isRecord(payload)) return undefined;
    const rest = checkRest(payload);
    if (rest === undefined) return undefined;
    const peers = checkPeers(payload.peers, this.previous);
    if (peers === undefined) return undefined;
    this.previous = peers;
    return withPeers(rest, peers);
  }

  /**
   * `check` of a payload whose peers are those of the last config passed, spliced: `rest` holds
   * every other field. The peers kept are the last config's checked (frozen) objects, so only
   * the items are checked. The verdict and the config are those `check` gives the whole payload.
   */
  checkSpliced(rest: Record<string, unknown>, splice: PeerListSplice): NodeConfigPayload | undefined {
    const checked = checkRest(rest);
    const { start, deleteCount, items } = splice;
    const count = this.previous.length - deleteCount + items.length;
    if (checked === undefined || start + deleteCount > this.previous.length || count > MAX_PEERS)
      return undefined;
    const fresh: ConfigPeer[] = [];
    for (const item of items) {
      const peer = checkPeer(item);
      if (peer === undefined) return undefined;
      fresh.push(peer);
    }
    const spliced = this.previous.slice(0, start).concat(fresh, this.previous.slice(start + deleteCount));
    this.previous = spliced;
    return withPeers(checked, spliced);
  }
}
