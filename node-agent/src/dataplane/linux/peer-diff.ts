import type { DesiredPeer } from '../dataplane.js';
import type { UapiPeerChange } from '../render/uapi-request.js';
import { canonicalCidr, checkEndpoint, checkKeepalive, checkKey } from '../render/validate.js';
import type { WgPeerState } from './uapi-client.js';

/**
 * A peer in comparable form: canonical allowed IPs (masked, sorted, unique), canonical endpoint,
 * keepalive 0 for "off". Both the desired peers and the interface's actual peers are reduced to
 * this, so spelling differences (`10.0.0.5/24` vs `10.0.0.0/24`) never count as changes.
 */
export interface PeerModel {
  publicKey: string;
  allowedIps: string[];
  /** Only set when configured: a peer without one learns it from handshakes (roaming). */
  endpoint?: string;
  persistentKeepalive: number;
}

export type PeerModelMap = ReadonlyMap<string, PeerModel>;

/** Which fields of a peer differ. */
export type PeerField = 'allowed IPs' | 'endpoint' | 'keepalive';

export interface PeerDiff {
  /** The UAPI changes that turn `actual` into `desired`, and nothing else. */
  changes: UapiPeerChange[];
  added: string[];
  updated: { publicKey: string; fields: PeerField[] }[];
  removed: string[];
}

/** Validates and canonicalises one desired peer; throws on anything invalid. */
export function normalizePeer(peer: DesiredPeer): PeerModel {
  const model: PeerModel = {
    publicKey: checkKey(peer.publicKey, 'peer public key'),
    allowedIps: [...new Set(peer.allowedIps.map((cidr) => canonicalCidr(cidr)))].sort(),
    persistentKeepalive: checkKeepalive(peer.persistentKeepalive ?? 0),
  };
  if (peer.endpoint !== undefined) model.endpoint = checkEndpoint(peer.endpoint);
  return model;
}

/** The desired peers by key; a key listed twice is a config error and throws. */
export function normalizePeers(peers: readonly DesiredPeer[]): Map<string, PeerModel> {
  const out = new Map<string, PeerModel>();
  for (const peer of peers) {
    const model = normalizePeer(peer);
    if (out.has(model.publicKey)) throw new RangeError(`peer ${model.publicKey} is listed twice`);
    out.set(model.publicKey, model);
  }
  return out;
}

/** One desired peer as last normalised: its raw fields, its model and the routes it needs. */
interface CachedPeer {
  raw: DesiredPeer;
  model: PeerModel;
  routes: readonly string[];
}

function sameRawPeer(a: DesiredPeer, b: DesiredPeer): boolean {
  return (
    a.endpoint === b.endpoint &&
    (a.persistentKeepalive ?? 0) === (b.persistentKeepalive ?? 0) &&
    Array.isArray(b.allowedIps) &&
    sameList(a.allowedIps, b.allowedIps)
  );
}

/**
 * normalizePeers with a memory: per public key, the raw fields it last normalised, their model
 * and the routes they need (`routesOf`, for the interface address the cache was filled for).
 * A peer whose raw fields are unchanged reuses both (one equality check, no re-parsing), so a
 * one-peer change on 10,000 peers normalises and routes one peer. Pure memoisation: the result
 * is what normalizePeers and routesFor return; entries of peers no longer desired are dropped.
 */
export class PeerNormalizer {
  private cache = new Map<string, CachedPeer>();
  private address: string | undefined;

  constructor(private readonly routesOf: (address: string, allowedIps: readonly string[]) => string[]) {}

  normalize(
    peers: readonly DesiredPeer[],
    address: string,
  ): { peers: Map<string, PeerModel>; routes: string[] } {
    const previous = this.address === address ? this.cache : new Map<string, CachedPeer>();
    const next = new Map<string, CachedPeer>();
    const out = new Map<string, PeerModel>();
    const routes = new Set<string>();
    for (const peer of peers) {
      let entry = typeof peer.publicKey === 'string' ? previous.get(peer.publicKey) : undefined;
      if (entry === undefined || !sameRawPeer(entry.raw, peer)) {
        const model = normalizePeer(peer);
        entry = {
          raw: { ...peer, allowedIps: [...peer.allowedIps] },
          model,
          routes: this.routesOf(address, model.allowedIps),
        };
      }
      const key = entry.model.publicKey;
      if (out.has(key)) throw new RangeError(`peer ${key} is listed twice`);
      out.set(key, entry.model);
      next.set(key, entry);
      for (const route of entry.routes) routes.add(route);
    }
    this.cache = next;
    this.address = address;
    return { peers: out, routes: [...routes].sort() };
  }
}

/** The interface's actual peers (from a UAPI get) as models. */
export function modelFromActual(peers: readonly WgPeerState[]): Map<string, PeerModel> {
  const out = new Map<string, PeerModel>();
  for (const peer of peers) {
    const model: PeerModel = {
      publicKey: peer.publicKey,
      allowedIps: [...new Set(peer.allowedIps)].sort(),
      persistentKeepalive: peer.persistentKeepalive,
    };
    if (peer.endpoint !== undefined) model.endpoint = peer.endpoint;
    out.set(peer.publicKey, model);
  }
  return out;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, index) => value === b[index]);
}

/**
 * The fields of `have` that differ from `want`. The endpoint only counts when `want` configures
 * one: WireGuard cannot unset an endpoint, and a peer without one roams by design.
 */
export function changedFields(want: PeerModel, have: PeerModel): PeerField[] {
  const fields: PeerField[] = [];
  if (!sameList(want.allowedIps, have.allowedIps)) fields.push('allowed IPs');
  if (want.endpoint !== undefined && want.endpoint !== have.endpoint) fields.push('endpoint');
  if (want.persistentKeepalive !== have.persistentKeepalive) fields.push('keepalive');
  return fields;
}

/**
 * Pure diff of desired peers against a model of the interface (what was last applied, or what a
 * read-back found). Untouched peers produce no change at all: setting a peer again would reset
 * its handshake. Changed peers carry only their changed fields. Removals come first so a key's
 * allowed IPs are free before another peer claims them.
 */
export function diffPeers(desired: PeerModelMap, actual: PeerModelMap): PeerDiff {
  const diff: PeerDiff = { changes: [], added: [], updated: [], removed: [] };
  for (const key of actual.keys()) {
    if (desired.has(key)) continue;
    diff.removed.push(key);
    diff.changes.push({ kind: 'remove', publicKey: key });
  }
  for (const [key, want] of desired) {
    const have = actual.get(key);
    if (!have) {
      diff.added.push(key);
      diff.changes.push({
        kind: 'add',
        publicKey: key,
        allowedIps: want.allowedIps,
        ...(want.endpoint !== undefined ? { endpoint: want.endpoint } : {}),
        persistentKeepalive: want.persistentKeepalive,
      });
      continue;
    }
    if (want === have) continue;
    const fields = changedFields(want, have);
    if (fields.length === 0) continue;
    diff.updated.push({ publicKey: key, fields });
    diff.changes.push({
      kind: 'update',
      publicKey: key,
      ...(fields.includes('allowed IPs') ? { allowedIps: want.allowedIps } : {}),
      ...(fields.includes('endpoint') ? { endpoint: want.endpoint } : {}),
      ...(fields.includes('keepalive') ? { persistentKeepalive: want.persistentKeepalive } : {}),
    });
  }
  return diff;
}

/** Human-readable lines for what reconcile found different on the host (its `corrected`). */
export function describePeerDiff(diff: PeerDiff): string[] {
  return [
    ...diff.added.map((key) => `peer ${key} re-added`),
    ...diff.updated.map(({ publicKey, fields }) => `peer ${publicKey} ${fields.join(', ')} restored`),
    ...diff.removed.map((key) => `peer ${key} removed (not in desired state)`),
  ];
}

/**
 * The canonical form of the actual peers that the state digest hashes: sorted by key, sorted
 * allowed IPs, and the endpoint only where one is configured (others roam; roaming is not state).
 */
export function canonicalPeers(
  actual: readonly WgPeerState[],
  configured: PeerModelMap | undefined,
): unknown[] {
  return [...actual]
    .sort((a, b) => (a.publicKey < b.publicKey ? -1 : a.publicKey > b.publicKey ? 1 : 0))
    .map((peer) => ({
      key: peer.publicKey,
      allowedIps: [...peer.allowedIps].sort(),
      ...(configured?.get(peer.publicKey)?.endpoint !== undefined ? { endpoint: peer.endpoint ?? null } : {}),
    }));
}
