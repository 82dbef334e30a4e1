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
    allowedIps:
      peer.allowedIps.length === 1
        ? [canonicalCidr(peer.allowedIps[0])]
        : [...new Set(peer.allowedIps.map((cidr) => canonicalCidr(cidr)))].sort(),
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

/**
 * Peers in comparable form, in config order, with the by-key index built only when something
 * asks for it: an apply that changes a few peers of an otherwise unchanged list never hashes
 * 10,000 keys. Never changed once made (an apply that changes anything makes a new set), so
 * "the same set" means "the same peers".
 */
export class PeerSet {
  private index: Map<string, PeerModel> | undefined;

  constructor(
    readonly list: readonly PeerModel[],
    index?: Map<string, PeerModel>,
  ) {
    this.index = index;
  }

  /** A set of the peers of `map` (e.g. a read-back), keeping the map as its index. */
  static fromMap(map: Map<string, PeerModel>): PeerSet {
    return new PeerSet([...map.values()], map);
  }

  get byKey(): PeerModelMap {
    this.index ??= new Map(this.list.map((peer) => [peer.publicKey, peer]));
    return this.index;
  }
}

/** One desired peer as last normalised: its raw fields, its model and the routes it needs. */
interface CachedPeer {
  raw: DesiredPeer;
  /**
   * The caller's peer itself when it was frozen, allowed IPs included (DesiredStateConverter's
   * peers are): it cannot have changed since, so meeting it again at its position is enough.
   */
  frozen?: DesiredPeer;
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

/** What PeerNormalizer.normalize returns. */
export interface NormalizedPeers {
  peers: PeerSet;
  /** Every route the peers need, sorted and unique. */
  routes: string[];
  /**
   * Set when the peers are those of the previous call's set `from`, same keys in the same order,
   * whose models differ at most at the positions `at`: a diff against `from` needs to look at
   * those positions only. Undefined when keys were added, removed or moved.
   */
  changed?: { from: PeerSet; at: number[] };
}

/**
 * normalizePeers with a memory: the peers it last normalised, in order, each with its raw
 * fields, model and the routes it needs (`routesOf`, for the interface address the memory was
 * filled for). Peers are matched by position first — comparing two keys is much cheaper than
 * hashing a freshly parsed one — and by key only once the order differs; a peer whose raw
 * fields are unchanged reuses its model and routes (no re-parsing). So a one-peer change on
 * 10,000 peers normalises and routes one peer and builds no map. Pure memoisation: the peers
 * and routes are what normalizePeers and routesFor return.
 */
export class PeerNormalizer {
  private entries: CachedPeer[] = [];
  private last: PeerSet | undefined;
  private routes: string[] = [];
  private address: string | undefined;

  constructor(private readonly routesOf: (address: string, allowedIps: readonly string[]) => string[]) {}

  normalize(peers: readonly DesiredPeer[], address: string): NormalizedPeers {
    const sameAddress = this.address === address;
    const previous = sameAddress ? this.entries : [];
    let byKey: Map<string, CachedPeer> | undefined;
    let inPlace = previous.length === peers.length;
    const at: number[] = [];
    let routesChanged = !sameAddress || !inPlace;
    const entries: CachedPeer[] = new Array(peers.length);
    for (let i = 0; i < peers.length; i += 1) {
      const peer = peers[i]!;
      let entry = previous[i];
      if (entry !== undefined && entry.frozen === peer) {
        entries[i] = entry;
        continue;
      }
      if (entry === undefined ? previous.length > 0 : entry.raw.publicKey !== peer.publicKey) {
        inPlace = false;
        byKey ??= new Map(previous.map((cached) => [cached.model.publicKey, cached]));
        entry = typeof peer.publicKey === 'string' ? byKey.get(peer.publicKey) : undefined;
      }
      if (entry === undefined || !sameRawPeer(entry.raw, peer)) {
        const fresh = this.cache(peer, address);
        if (entry === undefined || !sameList(entry.routes, fresh.routes)) routesChanged = true;
        at.push(i);
        entry = fresh;
      }
      entries[i] = entry;
    }
    let set: PeerSet;
    if (inPlace) {
      // The keys of the previous call, in the same order: unique, and nothing else to index.
      set = at.length === 0 && this.last ? this.last : new PeerSet(entries.map((entry) => entry.model));
    } else {
      const index = new Map<string, PeerModel>();
      for (const { model } of entries) {
        if (index.has(model.publicKey)) throw new RangeError(`peer ${model.publicKey} is listed twice`);
        index.set(model.publicKey, model);
      }
      set = new PeerSet(
        entries.map((entry) => entry.model),
        index,
      );
    }
    const routes = routesChanged ? unionOfRoutes(entries) : this.routes;
    const changed = inPlace && this.last ? { from: this.last, at } : undefined;
    this.entries = entries;
    this.last = set;
    this.routes = routes;
    this.address = address;
    return { peers: set, routes, ...(changed ? { changed } : {}) };
  }

  /** `peer` normalised and routed, with what the next call compares it by. */
  private cache(peer: DesiredPeer, address: string): CachedPeer {
    const model = normalizePeer(peer);
    return {
      // The fields sameRawPeer compares, copied: the caller may change its objects later.
      raw: {
        publicKey: peer.publicKey,
        allowedIps: peer.allowedIps.slice(),
        endpoint: peer.endpoint,
        persistentKeepalive: peer.persistentKeepalive,
      },
      model,
      routes: this.routesOf(address, model.allowedIps),
      ...(Object.isFrozen(peer) && Object.isFrozen(peer.allowedIps) ? { frozen: peer } : {}),
    };
  }
}

function unionOfRoutes(entries: readonly CachedPeer[]): string[] {
  const routes = new Set<string>();
  for (const entry of entries) for (const route of entry.routes) routes.add(route);
  return [...routes].sort();
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

/** Records `want` replacing `have` (same key) in `diff`, with only the fields that differ. */
function addUpdate(diff: PeerDiff, want: PeerModel, have: PeerModel): void {
  if (want === have) return;
  const fields = changedFields(want, have);
  if (fields.length === 0) return;
  diff.updated.push({ publicKey: want.publicKey, fields });
  diff.changes.push({
    kind: 'update',
    publicKey: want.publicKey,
    ...(fields.includes('allowed IPs') ? { allowedIps: want.allowedIps } : {}),
    ...(fields.includes('endpoint') ? { endpoint: want.endpoint } : {}),
    ...(fields.includes('keepalive') ? { persistentKeepalive: want.persistentKeepalive } : {}),
  });
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
      const change: UapiPeerChange = {
        kind: 'add',
        publicKey: key,
        allowedIps: want.allowedIps,
        persistentKeepalive: want.persistentKeepalive,
      };
      if (want.endpoint !== undefined) change.endpoint = want.endpoint;
      diff.changes.push(change);
      continue;
    }
    addUpdate(diff, want, have);
  }
  return diff;
}

/**
 * diffPeers for two sets with the same keys in the same order whose models differ at most at
 * the positions `at` (PeerNormalizer's `changed`): only those positions are compared, and the
 * result is what diffPeers(desired.byKey, actual.byKey) returns — updates only.
 */
export function diffPeersAt(desired: PeerSet, actual: PeerSet, at: readonly number[]): PeerDiff {
  const diff: PeerDiff = { changes: [], added: [], updated: [], removed: [] };
  for (const i of at) addUpdate(diff, desired.list[i]!, actual.list[i]!);
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
