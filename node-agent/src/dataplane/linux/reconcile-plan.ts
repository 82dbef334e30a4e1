import type { UapiSetChanges } from '../render/uapi-request.js';
import { type AppliedHost, deviceChanges, type InterfaceModel, interfaceModel } from './apply-plan.js';
import { EXIT_FWMARK } from './exit-routing.js';
import { fingerprintNftTable, type NftJson } from './nftables.js';
import { describePeerDiff, diffPeers, type PeerDiff, type PeerSet } from './peer-diff.js';
import type { WgDeviceState } from './uapi-client.js';

/**
 * What a reconcile repairs, decided from what was read back and what was applied last. This
 * module is pure; reconcile-runner.ts reads the host and runs the plans. Two plans, because the
 * host is read in two places, as before the split: the interface first (its repair is the UAPI
 * set, which must land before exit routing), the firewall table last (after exit routing, so a
 * table the link or exit steps disturbed would still be caught). The link and exit routing are
 * read and repaired by their own steps (link-sync.ts, exit-routing-sync.ts, whose planners are
 * pure), which say what they changed.
 */

/** What the last apply left, as far as a reconcile needs it. */
export interface ReconcileApplied extends AppliedHost {
  peers: PeerSet;
  listenPort: number;
  /** The table's fingerprint after the last swap ('' while unknown: reads as drift). */
  nftFingerprint: string;
}

/**
 * One repair outside WireGuard, in the order given: the link and routes (read again, the
 * agent's knowledge of them is not trusted), exit routing after the set (the fwmark must be
 * back before the tunnel table is; also cleans what an earlier run left and retries a
 * control-plane host that did not resolve), then ip_forward, which reports nothing.
 */
export type ReconcileStep =
  | { kind: 'sync-link'; address: string; routes: readonly string[] }
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

/** The repair of the interface read back as `device`, and the host steps that follow it. */
export function planReconcile(
  applied: ReconcileApplied,
  device: WgDeviceState,
  privateKey: string,
): ReconcilePlan {
  const have = interfaceModel(device);
  const diff = diffPeers(applied.peers.byKey, have.peers.byKey);
  const fwmark = applied.exitRoutes.length > 0 ? EXIT_FWMARK : undefined;
  const { listenPort } = applied;
  const set = deviceChanges(diff, have, { privateKey, listenPort, fwmark });
  const corrected: string[] = [];
  if (set.privateKey !== undefined) corrected.push('private key restored');
  if (set.fwmark !== undefined) corrected.push('fwmark restored');
  if (set.listenPort !== undefined) corrected.push(`listen port ${listenPort} restored`);
  corrected.push(...describePeerDiff(diff));
  const host: ReconcileStep[] = [
    { kind: 'sync-link', address: applied.address, routes: [...applied.routes] },
    { kind: 'sync-exit-routing', routes: applied.exitRoutes },
  ];
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
