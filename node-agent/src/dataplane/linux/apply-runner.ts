import type { UapiSetChanges } from '../render/uapi-request.js';
import type { ApplyPlan, HostStep } from './apply-plan.js';
import { hasExitRouting, parseExitRouting } from './exit-routing.js';
import { type ExitRoutingContext, syncExitRouting } from './exit-routing-sync.js';
import { establishLink, type ExitRoutingListing, syncLink } from './link-sync.js';
import { applyNftScript, fingerprintNftTable, readNftTable } from './nftables.js';
import { enableIpForwarding, type LinkContext } from './wireguard-interface.js';

/**
 * Runs an ApplyPlan (apply-plan.ts). Its concurrency, all of it here:
 * - The UAPI set and the host steps run side by side: WireGuard's peers and the host's side
 *   (the link, ip_forward, the firewall) do not depend on each other.
 * - The set's request goes out first: the set takes longest (wireguard-go derives a key for
 *   every added peer), and spawning a process blocks this thread for milliseconds (a fork
 *   copies the page tables of the whole process), while the socket connects on a later turn of
 *   the event loop. So the host steps start once the request has been written, or the set has
 *   failed — and at once when the set is empty.
 * - The host steps run one after another, in the plan's order: each is a process of its own,
 *   and two at once on a small machine take the CPU wireguard-go needs for the set; in sequence
 *   they still finish within the set of many peers. The first that fails stops the rest.
 * - A step marked `afterSet` (exit routing) waits for the set's reply: the fwmark must be on
 *   WireGuard's packets before the tunnel takes the default.
 * - The run settles only once both sides have, failed or not, so no command outlives a failed
 *   run; it fails with the set's error first, else the host's.
 * - The one exception: the firewall's read-back (see runFirewallStep) goes on after the run
 *   resolves, handed to the caller's queue with `defer`.
 */

export interface ApplyRunnerEnv {
  link: LinkContext;
  exit: ExitRoutingContext;
  /** Whether commands run in a network namespace: ip_forward is then never written to /proc. */
  inNetns: boolean;
  /**
   * Sends the UAPI set (nothing when it is empty); calls `onWritten` once the request is on its
   * way: written to the socket, or the `wg` command started.
   */
  send(changes: UapiSetChanges, onWritten: () => void): Promise<void>;
  /** Hands over work that outlives the run; the caller's next operation waits for it. */
  defer(work: Promise<unknown>): void;
}

/** What only the host can tell, filled in by the run (the caller seeds it with what it knew). */
export interface HostRecord {
  /** The main-table routes, as the link step leaves them. */
  routes: Set<string>;
  /** False while a control-plane host does not resolve (exit routing retries it). */
  exitRoutingComplete: boolean;
  /** The firewall table's fingerprint: '' from the swap until its read-back is done (or failed). */
  nftFingerprint: string;
}

export async function runApplyPlan(env: ApplyRunnerEnv, plan: ApplyPlan, record: HostRecord): Promise<void> {
  let written!: () => void;
  const requestWritten = new Promise<void>((resolve) => {
    written = resolve;
  });
  const sending = env.send(plan.set, () => written());
  if (plan.host.length > 0) await Promise.race([sending.catch(() => undefined), requestWritten]);
  const hostChanging = runHostSteps(env, plan.host, record, sending);
  const failed = (await Promise.allSettled([sending, hostChanging])).find(
    (side) => side.status === 'rejected',
  );
  if (failed) throw failed.reason;
}

async function runHostSteps(
  env: ApplyRunnerEnv,
  steps: readonly HostStep[],
  record: HostRecord,
  sending: Promise<void>,
): Promise<void> {
  // On a first apply, the link step's listing tells exit routing what an earlier run left.
  let listed: ExitRoutingListing | undefined;
  for (const step of steps) {
    if (step.kind === 'establish-link') {
      ({ routes: record.routes, exitRouting: listed } = await establishLink(env.link, step));
    } else if (step.kind === 'sync-link') {
      record.routes = (await syncLink(env.link, step)).routes;
    } else if (step.kind === 'enable-forwarding') {
      await enableIpForwarding(env.link, env.inNetns);
    } else if (step.kind === 'replace-firewall') {
      await runFirewallStep(env, step.script, record);
    } else {
      if (step.afterSet) await sending;
      await runExitRoutingStep(env, step.routes, record, listed);
    }
  }
}

/** Exit routing; `listed`, when the link step has it, saves an `ip` of its own. */
async function runExitRoutingStep(
  env: ApplyRunnerEnv,
  routes: readonly string[],
  record: HostRecord,
  listed: ExitRoutingListing | undefined,
): Promise<void> {
  const known = listed && parseExitRouting(env.exit.interfaceName, listed.rules, listed.routes);
  if (routes.length === 0 && known !== undefined && !hasExitRouting(known)) return;
  record.exitRoutingComplete = (await syncExitRouting(env.exit, routes, known)).complete;
}

/**
 * Swaps the table (`nft -f -`, one transaction), then STARTS the read-back that fingerprints
 * it for drift without waiting for it: reading 5,000 rules back (`nft -j list` + parse + hash)
 * costs more than the swap itself, and apply need not wait for it. The fingerprint is still
 * taken right after the swap — the command is already running when the run resolves — and the
 * caller's queue waits for it (`defer`) before the next digest, reconcile or apply runs, so
 * none of them can compare against a missing fingerprint, and a table tampered with after the
 * swap differs from a fingerprint taken of the table as swapped: exactly what was detectable
 * before. `nft -j --echo -f -` was measured as the alternative and rejected: it prints the
 * commands as parsed (not the table as listed, so it cannot be compared with a later
 * `nft -j list`) and took 2.5× as long as the swap. If the read-back fails, the fingerprint is
 * left unknown (''), which reads as drift, and the next reconcile restores and re-reads.
 */
async function runFirewallStep(env: ApplyRunnerEnv, script: string, record: HostRecord): Promise<void> {
  const { run, logger, interfaceName } = env.link;
  await applyNftScript(run, script);
  record.nftFingerprint = '';
  env.defer(
    readNftTable(run).then(
      (table) => {
        record.nftFingerprint = fingerprintNftTable(table);
      },
      (error: unknown) => {
        logger.warn({ err: error, interface: interfaceName }, 'cannot read back the firewall table');
      },
    ),
  );
}
