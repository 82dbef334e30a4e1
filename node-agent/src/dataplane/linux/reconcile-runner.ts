import type { UapiSetChanges } from '../render/uapi-request.js';
import type { HostRecord } from './apply-runner.js';
import { runIpBatch } from './command-runner.js';
import { type ExitRoutingContext, syncExitRouting } from './exit-routing-sync.js';
import { applyNftScript, fingerprintNftTable, readNftTable } from './nftables.js';
import { planFirewallRepair, type ReconcilePlan } from './reconcile-plan.js';
import { enableIpForwarding, type LinkContext } from './wireguard-interface.js';

/**
 * Runs a ReconcilePlan (reconcile-plan.ts). Unlike an apply, everything runs one after
 * another: a reconcile is periodic, not waited for, and its order is what makes it safe — the
 * UAPI set first (the fwmark must be back before exit routing gives the tunnel the default),
 * then the host steps in the plan's order, then the firewall table is read and, when it is not
 * the one applied, swapped back and read again (waited for: the next digest compares against
 * it). The first failure stops the rest.
 */

export interface ReconcileRunnerEnv {
  link: LinkContext;
  exit: ExitRoutingContext;
  /** Whether commands run in a network namespace: ip_forward is then never written to /proc. */
  inNetns: boolean;
  /** Sends the UAPI set (nothing when it is empty). */
  send(changes: UapiSetChanges): Promise<void>;
}

export interface ReconcileOutcome {
  /** What exit routing and the firewall corrected, in words, after the plan's own. */
  corrected: string[];
  firewallReplaced: boolean;
}

/**
 * `record` is what the last apply left; the run updates what only the host can tell (exit
 * routing's completeness, the firewall's fingerprint). `onSet` is called once the set has
 * gone through, before any host step: from then on the interface is the plan's model.
 */
export async function runReconcilePlan(
  env: ReconcileRunnerEnv,
  plan: ReconcilePlan,
  record: HostRecord & { nftScript: string },
  onSet: () => void,
): Promise<ReconcileOutcome> {
  await env.send(plan.set);
  onSet();
  const corrected: string[] = [];
  for (const step of plan.host) {
    if (step.kind === 'write-link') {
      await runIpBatch(env.link.run, step.commands);
    } else if (step.kind === 'sync-exit-routing') {
      const exit = await syncExitRouting(env.exit, step.routes);
      record.exitRoutingComplete = exit.complete;
      corrected.push(...exit.changes);
    } else {
      await enableIpForwarding(env.link, env.inNetns);
    }
  }
  const { run } = env.link;
  const repair = planFirewallRepair(record, await readNftTable(run));
  if (repair) {
    await applyNftScript(run, repair.script);
    record.nftFingerprint = fingerprintNftTable(await readNftTable(run));
    corrected.push(repair.corrected);
  }
  return { corrected, firewallReplaced: repair !== undefined };
}
