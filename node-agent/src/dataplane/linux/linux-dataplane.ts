import { createHash } from 'node:crypto';
import type { Logger } from '@wirefleet/shared/logging';
import type {
  ApplyReport,
  Dataplane,
  DesiredState,
  PeerStatus,
  PingResult,
  ReconcileReport,
} from '../dataplane.js';
import { isEmptyChange, renderUapiSet, type UapiSetChanges } from '../render/uapi-request.js';
import { checkInterfaceName, checkKey } from '../render/validate.js';
import {
  type AppliedHost,
  type ApplyPlan,
  deviceChanges,
  type HostStep,
  type InterfaceModel,
  interfaceModel,
  planApply,
} from './apply-plan.js';
import { ApplyTargetBuilder, type FirewallInputs } from './apply-target.js';
import { type CommandRunner, execFileRunner, isMissingProgram, netnsRunner } from './command-runner.js';
import { applyNftScript, canonicalNftTable, fingerprintNftTable, readNftTable } from './nftables.js';
import { canonicalPeers, describePeerDiff, diffPeers, modelFromActual, type PeerSet } from './peer-diff.js';
import { renderWgShow } from './show.js';
import { UapiClient, type WgDeviceState, type WireguardTransport } from './uapi-client.js';
import { EXIT_FWMARK, hasExitRouting, parseExitRouting } from './exit-routing.js';
import { type ExitRoutingContext, type LookupIpv4, syncExitRouting } from './exit-routing-sync.js';
import { establishLink, type ExitRoutingListing, syncLink } from './link-sync.js';
import {
  enableIpForwarding,
  ensureWireguardInterface,
  type FoundInterface,
  findWireguardInterface,
  type LinkContext,
} from './wireguard-interface.js';

export interface LinuxDataplaneOptions {
  /** Validated against `^[A-Za-z0-9_=+.-]{1,15}$`. */
  interfaceName: string;
  /** Base64 WireGuard private key (32 bytes). */
  privateKey: string;
  logger: Logger;
  /** Runs `ip`, `nft`, `wg`, `wireguard-go`, `sysctl`; default: execFile. Injectable for tests. */
  run?: CommandRunner;
  /** Run every command inside `ip netns exec <netns>` (tests, benchmarks). */
  netns?: string;
  /** Directory of UAPI sockets; default `/var/run/wireguard` (shared by all namespaces). */
  uapiDir?: string;
  /**
   * The agent's api_url and gateway_url. When a peer carries the default route (an exit node),
   * their hosts keep a route outside the tunnel (see exit-routing.ts).
   */
  controlPlaneUrls?: readonly string[];
  /** Resolves the control plane's host names to IPv4 addresses; default: the system resolver. */
  lookup?: LookupIpv4;
}

/** What this dataplane last applied: the reference for diffs, reconcile and drift. */
interface Applied extends AppliedHost {
  peers: PeerSet;
  listenPort: number;
  routes: Set<string>;
  /** The raw inputs nftScript was rendered from. */
  firewall: FirewallInputs;
  /** '' while unknown (read-back pending or failed). */
  nftFingerprint: string;
}

/** The interface's full state: what the probe that found it read, or a fresh `get`. */
function readFound(found: FoundInterface): Promise<WgDeviceState> {
  return found.probed ? Promise.resolve(found.probed) : found.transport.get();
}

const optionalFwmark = (fwmark: number | undefined) => (fwmark === undefined ? {} : { fwmark });

const EMPTY_REPORT = { peersAdded: 0, peersUpdated: 0, peersRemoved: 0, firewallReplaced: false };

/**
 * The Linux host: WireGuard through UAPI (wireguard-go) or `wg` (kernel links), addresses and
 * routes through `ip`, the firewall as one nftables table (`inet wirefleet`). It keeps a model
 * of what it applied, so `apply` sends only differences; `reconcile` reads the host back.
 * Operations are serialised: a reconcile never interleaves with an apply.
 */
export class LinuxDataplane implements Dataplane {
  readonly kind = 'linux';
  /** The last UAPI `set=1` request sent (rendered text), for tests and debugging. */
  lastUapiRequest: string | undefined;
  private readonly interfaceName: string;
  private readonly privateKey: string;
  private readonly ctx: LinkContext;
  private readonly netns: string | undefined;
  private transport: WireguardTransport | undefined;
  private model: InterfaceModel | undefined;
  private applied: Applied | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  /** The firewall read-back an apply started and the queue waits for (see replaceFirewall). */
  private fingerprinting: Promise<unknown> | undefined;
  private readonly targets: ApplyTargetBuilder;
  private readonly exitCtx: ExitRoutingContext;

  constructor(options: LinuxDataplaneOptions) {
    this.interfaceName = checkInterfaceName(options.interfaceName);
    this.privateKey = checkKey(options.privateKey, 'private key');
    this.netns = options.netns;
    const run = netnsRunner(options.run ?? execFileRunner, options.netns);
    this.ctx = { interfaceName: this.interfaceName, run, logger: options.logger, uapiDir: options.uapiDir };
    this.exitCtx = {
      interfaceName: this.interfaceName,
      run,
      logger: options.logger,
      controlPlaneUrls: options.controlPlaneUrls ?? [],
      ...(options.lookup ? { lookup: options.lookup } : {}),
    };
    this.targets = new ApplyTargetBuilder(this.interfaceName, this.privateKey);
  }

  apply(desired: DesiredState): Promise<ApplyReport> {
    return this.serialize(() => this.doApply(desired));
  }

  reconcile(): Promise<ReconcileReport> {
    return this.serialize(() => this.doReconcile());
  }

  async peerStatus(): Promise<PeerStatus[]> {
    const device = await this.serialize(() => this.readDevice());
    return device.peers.map((peer) => ({
      publicKey: peer.publicKey,
      ...(peer.endpoint !== undefined ? { endpoint: peer.endpoint } : {}),
      ...(peer.lastHandshakeSec > 0 ? { latestHandshake: peer.lastHandshakeSec } : {}),
      rxBytes: peer.rxBytes,
      txBytes: peer.txBytes,
    }));
  }

  digest(): Promise<{ stateDigest: string; drift: boolean }> {
    return this.serialize(async () => {
      const device = await this.readDevice();
      const table = await readNftTable(this.ctx.run);
      const peers = canonicalPeers(device.peers, this.applied?.peers.byKey);
      const canonical = JSON.stringify({ peers, firewall: canonicalNftTable(table) });
      const stateDigest = `sha256:${createHash('sha256').update(canonical).digest('hex')}`;
      const applied = this.applied;
      const drift =
        applied !== undefined &&
        (diffPeers(applied.peers.byKey, modelFromActual(device.peers)).changes.length > 0 ||
          device.listenPort !== applied.listenPort ||
          fingerprintNftTable(table) !== applied.nftFingerprint);
      return { stateDigest, drift };
    });
  }

  async show(): Promise<string> {
    try {
      return (await this.ctx.run('wg', ['show', this.interfaceName])).stdout;
    } catch (error) {
      if (!isMissingProgram(error)) throw error;
      // No `wg` installed: render the same view from the UAPI.
      return renderWgShow(this.interfaceName, await this.serialize(() => this.readDevice()));
    }
  }

  /** Runs in the dataplane's namespace (when it has one), like everything else it runs. */
  async ping(targetIp: string, count: number): Promise<PingResult> {
    try {
      const { stdout } = await this.ctx.run('ping', ['-n', '-c', String(count), '-W', '2', targetIp], { timeoutMs: 30_000 });
      return { ok: true, output: stdout };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return { ok: false, output: '', error: `ping failed: ${message.split('\n')[0]}` };
    }
  }

  /** Waits for pending work and forgets the model. The interface stays: the tunnel must not flap. */
  async close(): Promise<void> {
    await this.serialize(async () => {
      this.model = undefined;
      this.transport = undefined;
    });
  }

  /**
   * Runs `task` after every earlier one, and after the firewall read-back an earlier apply
   * started (see replaceFirewall): the next task always sees a settled fingerprint.
   */
  private serialize<T>(task: () => Promise<T>): Promise<T> {
    const result = this.queue.then(task, task);
    const settle = () => {
      const pending = this.fingerprinting;
      this.fingerprinting = undefined;
      return pending?.then(() => undefined);
    };
    this.queue = result.then(settle, settle);
    return result;
  }

  /**
   * The interface's transport, found or created when not known yet; then with the full reading
   * the probe that found it took just now (`probed`), which the caller may use as its read.
   */
  private async ensureTransport(): Promise<FoundInterface> {
    if (this.transport) return { transport: this.transport };
    const found = await ensureWireguardInterface(this.ctx);
    this.transport = found.transport;
    return found;
  }

  /** ensureTransport without creating anything: undefined when there is no interface. */
  private async findTransport(): Promise<FoundInterface | undefined> {
    if (this.transport) return { transport: this.transport };
    const found = await findWireguardInterface(this.ctx);
    this.transport = found?.transport;
    return found;
  }

  /** Reads the interface without creating it; an absent interface reads as empty. */
  private async readDevice(): Promise<WgDeviceState> {
    try {
      const found = await this.findTransport();
      return found ? await readFound(found) : { peers: [] };
    } catch (error) {
      this.ctx.logger.warn({ err: error, interface: this.interfaceName }, 'cannot read WireGuard interface');
      this.transport = undefined;
      return { peers: [] };
    }
  }

  /**
   * Sends `changes` (nothing when there are none). `onWritten` is called once the request is on
   * its way: the UAPI socket connected and took it, or the `wg` command started.
   */
  private async send(changes: UapiSetChanges, onWritten?: () => void): Promise<void> {
    if (isEmptyChange(changes)) {
      onWritten?.();
      return;
    }
    const request = renderUapiSet(changes);
    this.lastUapiRequest = request;
    const { transport } = await this.ensureTransport();
    // The request is rendered once: a UAPI socket takes the text as is.
    if (transport instanceof UapiClient) await transport.sendRaw(request, onWritten);
    else {
      const setting = transport.set(changes);
      onWritten?.();
      await setting;
    }
  }

  private async doApply(desired: DesiredState): Promise<ApplyReport> {
    // Everything is validated and rendered before the host is touched.
    const previous = this.applied;
    const target = this.targets.build(desired, previous);
    try {
      const found = await this.ensureTransport();
      // First apply after start: read back once (the probe that found the interface just now
      // has read it already); the interface may predate this process.
      const have = this.model ?? interfaceModel(await readFound(found));
      const plan = planApply(previous, have, target);
      const applied: Applied = {
        peers: target.peers,
        address: target.address,
        listenPort: target.listenPort,
        routes: previous?.routes ?? new Set(),
        exitRoutes: target.exitRoutes,
        exitRoutingComplete: true,
        nftScript: target.nftScript,
        firewall: target.firewall,
        nftFingerprint: previous?.nftFingerprint ?? '',
        forwarding: target.forwarding,
      };
      await this.runPlan(plan, applied);
      this.model = plan.model;
      this.applied = applied;
      const report = {
        peersAdded: plan.diff.added.length,
        peersUpdated: plan.diff.updated.length,
        peersRemoved: plan.diff.removed.length,
        firewallReplaced: plan.firewallReplaced,
      };
      this.ctx.logger.info({ interface: this.interfaceName, revision: desired.revision, ...report }, 'applied desired state');
      return report;
    } catch (error) {
      // The host is now in an unknown state: the next apply reads it back instead of trusting
      // the model, the link/routes/firewall are re-checked, and the interface is looked up
      // again (its daemon may be what failed).
      this.model = undefined;
      this.applied = undefined;
      this.transport = undefined;
      throw error;
    }
  }

  /**
   * WireGuard's peers and the host's side (the link, ip_forward, the firewall) do not depend
   * on each other, so they change side by side: the UAPI set, and beside it the host steps one
   * after another. One at a time, because each is a process of its own, and with two at once on
   * a small machine they take the CPU wireguard-go needs for the set; together they still take
   * less time than a set of many peers. Both are awaited before apply settles, failed or not,
   * so no command outlives a failed apply (the host steps stop at the first that fails).
   */
  private async runPlan(plan: ApplyPlan, applied: Applied): Promise<void> {
    let written!: () => void;
    const requestWritten = new Promise<void>((resolve) => {
      written = resolve;
    });
    const sending = this.send(plan.set, () => written());
    if (plan.host.length > 0) {
      // The UAPI set takes longest (wireguard-go derives a key for every added peer), so its
      // request goes out first. The socket connects on a later turn of the event loop than a
      // setImmediate's, and spawning a process blocks this thread for milliseconds (a fork
      // copies the page tables of the whole process): the host commands wait until the
      // request has been written, or the set has failed.
      await Promise.race([sending.catch(() => undefined), requestWritten]);
    }
    const hostChanging = this.runHostSteps(plan.host, applied, sending);
    const failed = (await Promise.allSettled([sending, hostChanging])).find((step) => step.status === 'rejected');
    if (failed) throw failed.reason;
  }

  private async runHostSteps(steps: readonly HostStep[], applied: Applied, sending: Promise<void>): Promise<void> {
    // On a first apply, the link step's listing tells exit routing what an earlier run left.
    let listed: ExitRoutingListing | undefined;
    for (const step of steps) {
      if (step.kind === 'establish-link') {
        ({ routes: applied.routes, exitRouting: listed } = await establishLink(this.ctx, step));
      } else if (step.kind === 'sync-link') {
        applied.routes = (await syncLink(this.ctx, step)).routes;
      } else if (step.kind === 'enable-forwarding') {
        await enableIpForwarding(this.ctx, this.netns !== undefined);
      } else if (step.kind === 'replace-firewall') {
        await this.replaceFirewall(applied);
      } else {
        if (step.afterSet) await sending;
        await this.syncExit(applied, step.routes, listed);
      }
    }
  }

  /** The host step of exit routing; `listed`, when known, saves it an `ip` of its own. */
  private async syncExit(applied: Applied, routes: readonly string[], listed: ExitRoutingListing | undefined): Promise<void> {
    const known = listed && parseExitRouting(this.interfaceName, listed.rules, listed.routes);
    if (routes.length === 0 && known !== undefined && !hasExitRouting(known)) return;
    applied.exitRoutingComplete = (await syncExitRouting(this.exitCtx, routes, known)).complete;
  }

  /**
   * Swaps the table (`nft -f -`, one transaction), then STARTS the read-back that fingerprints
   * it for drift without waiting for it: reading 5,000 rules back (`nft -j list` + parse + hash)
   * costs more than the swap itself, and apply need not wait for it. The fingerprint is still
   * taken right after the swap — the command is already running when apply resolves — and the
   * serial queue waits for it (`serialize`) before the next digest, reconcile or apply runs, so
   * none of them can compare against a missing fingerprint, and a table tampered with after the
   * swap differs from a fingerprint taken of the table as swapped: exactly what was detectable
   * before. `nft -j --echo -f -` was measured as the alternative and rejected: it prints the
   * commands as parsed (not the table as listed, so it cannot be compared with a later
   * `nft -j list`) and took 2.5× as long as the swap. If the read-back fails, the fingerprint is
   * left unknown (''), which reads as drift, and the next reconcile restores and re-reads.
   */
  private async replaceFirewall(applied: Applied): Promise<void> {
    await applyNftScript(this.ctx.run, applied.nftScript);
    applied.nftFingerprint = '';
    const reading = readNftTable(this.ctx.run).then(
      (table) => {
        applied.nftFingerprint = fingerprintNftTable(table);
      },
      (error: unknown) => {
        this.ctx.logger.warn({ err: error, interface: this.interfaceName }, 'cannot read back the firewall table');
      },
    );
    this.fingerprinting = this.fingerprinting ? Promise.all([this.fingerprinting, reading]) : reading;
  }

  /** Reads the interface for reconcile; a vanished daemon or link is brought back and noted. */
  private async readOrRecreate(corrected: string[]): Promise<WgDeviceState> {
    try {
      const found = await this.findTransport();
      if (found) return await readFound(found);
    } catch (error) {
      this.ctx.logger.warn({ err: error, interface: this.interfaceName }, 'WireGuard interface unreadable');
      this.transport = undefined;
    }
    const device = await readFound(await this.ensureTransport());
    corrected.push(`interface ${this.interfaceName} recreated`);
    return device;
  }

  private async doReconcile(): Promise<ReconcileReport> {
    const applied = this.applied;
    if (!applied) return { ...EMPTY_REPORT, corrected: [] };
    const corrected: string[] = [];
    const device = await this.readOrRecreate(corrected);
    const have = interfaceModel(device);
    const diff = diffPeers(applied.peers.byKey, have.peers.byKey);
    const fwmark = applied.exitRoutes.length > 0 ? EXIT_FWMARK : undefined;
    const changes = deviceChanges(diff, have, { privateKey: this.privateKey, listenPort: applied.listenPort, fwmark });
    if (changes.privateKey !== undefined) corrected.push('private key restored');
    if (changes.fwmark !== undefined) corrected.push('fwmark restored');
    if (changes.listenPort !== undefined) corrected.push(`listen port ${applied.listenPort} restored`);
    corrected.push(...describePeerDiff(diff));
    this.model = undefined;
    await this.send(changes);
    this.model = {
      peers: applied.peers,
      privateKey: this.privateKey,
      listenPort: applied.listenPort,
      ...optionalFwmark(fwmark ?? have.fwmark),
    };
    corrected.push(...(await syncLink(this.ctx, { address: applied.address, routes: [...applied.routes] })).changes);
    // After the set: the mark must be back before the tunnel table is. Also cleans what an
    // earlier run left, and retries a control-plane host that did not resolve.
    const exit = await syncExitRouting(this.exitCtx, applied.exitRoutes);
    applied.exitRoutingComplete = exit.complete;
    corrected.push(...exit.changes);
    if (applied.forwarding) await enableIpForwarding(this.ctx, this.netns !== undefined);
    const table = await readNftTable(this.ctx.run);
    const firewallReplaced = fingerprintNftTable(table) !== applied.nftFingerprint;
    if (firewallReplaced) {
      await applyNftScript(this.ctx.run, applied.nftScript);
      applied.nftFingerprint = fingerprintNftTable(await readNftTable(this.ctx.run));
      corrected.push(table === null ? 'firewall table restored (it was missing)' : 'firewall table restored');
    }
    if (corrected.length > 0)
      this.ctx.logger.warn({ interface: this.interfaceName, corrected }, 'reconcile corrected drift');
    return {
      peersAdded: diff.added.length,
      peersUpdated: diff.updated.length,
      peersRemoved: diff.removed.length,
      firewallReplaced,
      corrected,
    };
  }
}
