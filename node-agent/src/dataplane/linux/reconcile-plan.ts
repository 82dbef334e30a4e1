import type { UapiSetChanges } from '../render/uapi-request.js';
import { canonicalCidr } from '../render/validate.js';
import { type AppliedHost, deviceChanges, type InterfaceModel, interfaceModel } from './apply-plan.js';
import { EXIT_FWMARK } from './exit-routing.js';
import { type IpLink, planLinkSync } from './link-sync.js';
import { fingerprintNftTable, type NftJson } from './nftables.js';
import { describePeerDiff, diffPeers, type PeerDiff, type PeerSet } from './peer-diff.js';
import type { WgDeviceState } from './uapi-client.js';

/**
 * What a reconcile repairs, decided from what was read back and what was applied last. This
 * module is pure; reconcile-runner.ts runs the plans. Two plans, because the host is read in two
 * places: the interface, the link and its routes first (their repair: the UAPI set, which must
 * land before exit routing, and one `ip` batch), the firewall table last (after exit routing, so
 * a table the steps before disturbed would still be caught). Exit routing is read and repaired by
 * its own step (exit-routing-sync.ts, whose planner is pure; what it needs to know also takes DNS
 * lookups and `ip route get`), which says what it changed.
 */

/** What the last apply left, as far as a reconcile needs it. */
export interface ReconcileApplied extends AppliedHost {
  peers: PeerSet;
  listenPort: number;
  /** The table's fingerprint after the last swap ('' while unknown: reads as drift). */
  nftFingerprint: string;
}

/** What was read back from the host before the plan: the UAPI `get`, the link and its routes. */
export interface ReconcileReadBack {
  device: WgDeviceState;
  /** `ip -j -d addr show`, undefined when the link is gone. */
  link: IpLink | undefined;
  /** This agent's routes in the main table (link-sync.ts's readLinkAndRoutes). */
  routes: ReadonlySet<string>;
}

/**
 * One repair outside WireGuard, in the order given: the link and routes as read back (only when
 * they differ), exit routing after the set (the fwmark must be back before the tunnel table is;
 * also cleans what an earlier run left and retries a control-plane host that did not resolve),
 * then ip_forward, which reports nothing.
 */
export type ReconcileStep =
  /** One `ip -batch`: addresses, link up, routes (link-sync.ts's planLinkSync). */
  | { kind: 'write-link'; commands: string[][] }
  | { kind: 'sync-exit-routing'; routes: readonly string[] }
  | { kind: 'enable-forwarding' };

export interface ReconcilePlan {
  /** The UAPI set that restores the interface; empty when it matches (nothing is sent). */
  set: UapiSetChanges;
  /** The peer part of `set`, for the report. */
  diff: PeerDiff;
  /** What `set` corrects, in words, in report order. */
  corrected: string[];
  host: ReconcileStep[];
  /** The interface once the set has gone through. */
  model: InterfaceModel;
}

const optionalFwmark = (fwmark: number | undefined) => (fwmark === undefined ? {} : { fwmark });

/**
 * The repair of what was read back, and the host steps that follow it. Throws when the link is
 * gone (the interface was recreated just before the read, so something removes it).
 */
export function planReconcile(
  applied: ReconcileApplied,
  read: ReconcileReadBack,
  own: { privateKey: string; interfaceName: string },
): ReconcilePlan {
  const { privateKey, interfaceName } = own;
  const have = interfaceModel(read.device);
  const diff = diffPeers(applied.peers.byKey, have.peers.byKey);
  const fwmark = applied.exitRoutes.length > 0 ? EXIT_FWMARK : undefined;
  const { listenPort } = applied;
  const set = deviceChanges(diff, have, { privateKey, listenPort, fwmark });
  const corrected: string[] = [];
  if (set.privateKey !== undefined) corrected.push('private key restored');
  if (set.fwmark !== undefined) corrected.push('fwmark restored');
  if (set.listenPort !== undefined) corrected.push(`listen port ${listenPort} restored`);
  corrected.push(...describePeerDiff(diff));
  const target = new Set([...applied.routes].map((cidr) => canonicalCidr(cidr, 'route')));
  const link = planLinkSync(interfaceName, read.link, read.routes, { address: applied.address, target });
  corrected.push(...link.changes);
  const host: ReconcileStep[] = [];
  if (link.commands.length > 0) host.push({ kind: 'write-link', commands: link.commands });
  host.push({ kind: 'sync-exit-routing', routes: applied.exitRoutes });
  if (applied.forwarding) host.push({ kind: 'enable-forwarding' });
  return {
    set,
    diff,
    corrected,
    host,
    model: { peers: applied.peers, privateKey, listenPort, ...optionalFwmark(fwmark ?? have.fwmark) },
  };
}

/** The firewall's repair: the applied script again, when the table read back is not the one applied. */
export function planFirewallRepair(
  applied: { nftScript: string; nftFingerprint: string },
  table: NftJson[] | null,
): { script: string; corrected: string } | undefined {
  if (fingerprintNftTable(table) === applied.nftFingerprint) return undefined;
  const corrected = table === null ? 'firewall table restored (it was missing)' : 'firewall table restored';
  return { script: applied.nftScript, corrected };
}
