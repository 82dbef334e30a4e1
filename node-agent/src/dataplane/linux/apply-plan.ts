import type { UapiSetChanges } from '../render/uapi-request.js';
import type { ApplyTarget } from './apply-target.js';
import { EXIT_FWMARK } from './exit-routing.js';
import { diffPeers, diffPeersAt, modelFromActual, type PeerDiff, PeerSet } from './peer-diff.js';
import type { WgDeviceState } from './uapi-client.js';

/**
 * What an apply does, decided before anything runs: the UAPI set and the host steps, in order.
 * This module is pure; apply-runner.ts runs a plan (and owns its concurrency).
 */

/** What the interface holds, as far as this process knows without reading it back. */
export interface InterfaceModel {
  peers: PeerSet;
  privateKey?: string;
  listenPort?: number;
  /** WireGuard's mark on its own packets; set once exit routing is wanted. */
  fwmark?: number;
}

/** What the host was last brought to, as far as the next plan needs it. */
export interface AppliedHost {
  address: string;
  /** The main-table routes the link step left. */
  routes: ReadonlySet<string>;
  exitRoutes: readonly string[];
  /** False while a control-plane host did not resolve: the next apply or reconcile retries. */
  exitRoutingComplete: boolean;
  nftScript: string;
  forwarding: boolean;
}

/**
 * One change to the host outside WireGuard. Steps run one after another, in the plan's order:
 * the link before the firewall, and exit routing last, so the firewall's reply-marking chains
 * are in place before the tunnel takes the default.
 */
export type HostStep =
  /** First apply: nothing known; one `ip` writes address, link and routes and lists them back. */
  | { kind: 'establish-link'; address: string; routes: readonly string[] }
  /** Later applies: the differences against `knownRoutes`; `address` undefined leaves it alone. */
  | {
      kind: 'sync-link';
      address: string | undefined;
      routes: readonly string[];
      knownRoutes: ReadonlySet<string>;
    }
  | { kind: 'enable-forwarding' }
  /** Swaps the nftables table for `script` (one transaction). */
  | { kind: 'replace-firewall'; script: string }
  /**
   * Brings exit routing to `routes` (empty: none). `afterSet`: it must wait for the UAPI set,
   * which marks WireGuard's own packets; without the mark, handshakes to peer endpoints would
   * enter the tunnel too.
   */
  | { kind: 'sync-exit-routing'; routes: readonly string[]; afterSet: boolean };

export interface ApplyPlan {
  /** The UAPI set; empty when WireGuard needs no change (then nothing is sent). */
  set: UapiSetChanges;
  /** The peer part of `set`, for the report. */
  diff: PeerDiff;
  host: HostStep[];
  firewallReplaced: boolean;
  /** The interface once the set has gone through: what the next plan starts from. */
  model: InterfaceModel;
}

const optionalFwmark = (fwmark: number | undefined) => (fwmark === undefined ? {} : { fwmark });

/** The interface as a read-back found it. */
export function interfaceModel(device: WgDeviceState): InterfaceModel {
  return {
    peers: PeerSet.fromMap(modelFromActual(device.peers)),
    privateKey: device.privateKey,
    listenPort: device.listenPort,
    ...optionalFwmark(device.fwmark),
  };
}

/**
 * The UAPI set that takes `have` to `want`: the peers of `diff`, and each device field that
 * differs. `fwmark` undefined leaves the interface's mark as it is (one left behind marks
 * nothing that matters).
 */
export function deviceChanges(
  diff: PeerDiff,
  have: InterfaceModel,
  want: { privateKey: string; listenPort: number; fwmark: number | undefined },
): UapiSetChanges {
  const changes: UapiSetChanges = { peers: diff.changes };
  if (have.privateKey !== want.privateKey) changes.privateKey = want.privateKey;
  if (have.listenPort !== want.listenPort) changes.listenPort = want.listenPort;
  if (want.fwmark !== undefined && have.fwmark !== want.fwmark) changes.fwmark = want.fwmark;
  return changes;
}

function sameSet(a: ReadonlySet<string>, b: readonly string[]): boolean {
  return a.size === b.length && b.every((value) => a.has(value));
}

/** The host steps from `previous` (undefined: a first apply, nothing known) to `target`. */
function planHostSteps(previous: AppliedHost | undefined, target: ApplyTarget): HostStep[] {
  const steps: HostStep[] = [];
  const { address, routes, exitRoutes } = target;
  if (previous === undefined) steps.push({ kind: 'establish-link', address, routes });
  else if (previous.address !== address || !sameSet(previous.routes, routes)) {
    const changed = previous.address !== address ? address : undefined;
    steps.push({ kind: 'sync-link', address: changed, routes, knownRoutes: previous.routes });
  }
  if (target.forwarding && !previous?.forwarding) steps.push({ kind: 'enable-forwarding' });
  if (target.nftScript !== previous?.nftScript)
    steps.push({ kind: 'replace-firewall', script: target.nftScript });
  if (
    previous === undefined ||
    !previous.exitRoutingComplete ||
    !sameSet(new Set(previous.exitRoutes), exitRoutes)
  )
    steps.push({ kind: 'sync-exit-routing', routes: exitRoutes, afterSet: exitRoutes.length > 0 });
  return steps;
}

/**
 * The plan that takes the host from `previous` and the interface from `have` to `target`:
 * only what differs. When the target's peers are those of `have` changed at some positions,
 * only those positions are diffed: desired state against desired state, nothing read back.
 */
export function planApply(
  previous: AppliedHost | undefined,
  have: InterfaceModel,
  target: ApplyTarget,
): ApplyPlan {
  const { changed } = target;
  const diff =
    changed !== undefined && changed.from === have.peers
      ? diffPeersAt(target.peers, have.peers, changed.at)
      : diffPeers(target.peers.byKey, have.peers.byKey);
  const fwmark = target.exitRoutes.length > 0 ? EXIT_FWMARK : undefined;
  const { privateKey, listenPort } = target;
  return {
    set: deviceChanges(diff, have, { privateKey, listenPort, fwmark }),
    diff,
    host: planHostSteps(previous, target),
    firewallReplaced: target.nftScript !== previous?.nftScript,
    model: { peers: target.peers, privateKey, listenPort, ...optionalFwmark(fwmark ?? have.fwmark) },
  };
}
