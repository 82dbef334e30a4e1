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
import { checkInterfaceName, checkKey } from '../render/validate.js';
import { type AppliedHost, type InterfaceModel, interfaceModel, planApply } from './apply-plan.js';
import { type ApplyRunnerEnv, type HostRecord, runApplyPlan } from './apply-runner.js';
import { ApplyTargetBuilder, type FirewallInputs } from './apply-target.js';
import { type CommandRunner, execFileRunner, isMissingProgram, netnsRunner } from './command-runner.js';
import type { ExitRoutingContext, LookupIpv4 } from './exit-routing-sync.js';
import { InterfaceHandle, readFound } from './interface-handle.js';
import { readLinkAndRoutes } from './link-sync.js';
import { canonicalNftTable, fingerprintNftTable, readNftTable } from './nftables.js';
import { OperationQueue } from './operation-queue.js';
import { canonicalPeers, diffPeers, modelFromActual, type PeerSet } from './peer-diff.js';
import { planReconcile } from './reconcile-plan.js';
import { type ReconcileRunnerEnv, runReconcilePlan } from './reconcile-runner.js';
import { renderWgShow } from './show.js';
import type { LinkContext } from './wireguard-interface.js';

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

/** What this dataplane last applied: the reference for plans, reconcile and drift. */
interface Applied extends AppliedHost, HostRecord {
  peers: PeerSet;
  listenPort: number;
  routes: Set<string>;
  /** The raw inputs nftScript was rendered from. */
  firewall: FirewallInputs;
}

const EMPTY_REPORT = { peersAdded: 0, peersUpdated: 0, peersRemoved: 0, firewallReplaced: false };

/**
 * The Linux host: WireGuard through UAPI (wireguard-go) or `wg` (kernel links), addresses and
 * routes through `ip`, the firewall as one nftables table (`inet wirefleet`). It keeps a model
 * of what it applied, so `apply` sends only differences — planned by apply-plan.ts, run by
 * apply-runner.ts; `reconcile` reads the host back and repairs it — planned by
 * reconcile-plan.ts, run by reconcile-runner.ts. Operations are serialised (OperationQueue): a
 * reconcile never interleaves with an apply.
 */
export class LinuxDataplane implements Dataplane {
  readonly kind = 'linux';
  private readonly interfaceName: string;
  private readonly privateKey: string;
  private readonly ctx: LinkContext;
  private readonly exitCtx: ExitRoutingContext;
  private readonly netns: string | undefined;
  private readonly device: InterfaceHandle;
  private readonly queue = new OperationQueue();
  private readonly targets: ApplyTargetBuilder;
  private readonly env: ApplyRunnerEnv;
  private readonly reconcileEnv: ReconcileRunnerEnv;
  private model: InterfaceModel | undefined;
  private applied: Applied | undefined;

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
    this.device = new InterfaceHandle(this.ctx);
    this.env = {
      link: this.ctx,
      exit: this.exitCtx,
      inNetns: this.netns !== undefined,
      send: (changes, onWritten) => this.device.send(changes, onWritten),
      defer: (work) => this.queue.defer(work),
    };
    this.reconcileEnv = { ...this.env, send: (changes) => this.device.send(changes) };
    this.targets = new ApplyTargetBuilder(this.interfaceName, this.privateKey);
  }

  /** The last UAPI `set=1` request sent (rendered text), for tests and debugging. */
  get lastUapiRequest(): string | undefined {
    return this.device.lastUapiRequest;
  }

  apply(desired: DesiredState): Promise<ApplyReport> {
    return this.queue.run(() => this.doApply(desired));
  }

  reconcile(): Promise<ReconcileReport> {
    return this.queue.run(() => this.doReconcile());
  }

  async peerStatus(): Promise<PeerStatus[]> {
    const device = await this.queue.run(() => this.device.read());
    return device.peers.map((peer) => ({
      publicKey: peer.publicKey,
      ...(peer.endpoint !== undefined ? { endpoint: peer.endpoint } : {}),
      ...(peer.lastHandshakeSec > 0 ? { latestHandshake: peer.lastHandshakeSec } : {}),
      rxBytes: peer.rxBytes,
      txBytes: peer.txBytes,
    }));
  }

  digest(): Promise<{ stateDigest: string; drift: boolean }> {
    return this.queue.run(async () => {
      const device = await this.device.read();
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
      return renderWgShow(this.interfaceName, await this.queue.run(() => this.device.read()));
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
    await this.queue.run(async () => {
      this.model = undefined;
      this.device.forget();
    });
  }

  private async doApply(desired: DesiredState): Promise<ApplyReport> {
    const previous = this.applied;
    // Everything is validated and rendered before the host is touched.
    const target = this.targets.build(desired, previous);
    try {
      const found = await this.device.ensure();
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
      await runApplyPlan(this.env, plan, applied);
      this.model = plan.model;
      this.applied = applied;
      const { diff, firewallReplaced } = plan;
      const report = {
        peersAdded: diff.added.length,
        peersUpdated: diff.updated.length,
        peersRemoved: diff.removed.length,
        firewallReplaced,
      };
      const logged = { interface: this.interfaceName, revision: desired.revision, ...report };
      this.ctx.logger.info(logged, 'applied desired state');
      return report;
    } catch (error) {
      // The host is now in an unknown state: the next apply reads it back instead of trusting
      // the model, the link/routes/firewall are re-checked, and the interface is looked up
      // again (its daemon may be what failed).
      this.model = undefined;
      this.applied = undefined;
      this.device.forget();
      throw error;
    }
  }

  private async doReconcile(): Promise<ReconcileReport> {
    const applied = this.applied;
    if (!applied) return { ...EMPTY_REPORT, corrected: [] };
    const recreated: string[] = [];
    const device = await this.device.readOrRecreate(recreated);
    const { link, routes } = await readLinkAndRoutes(this.ctx);
    const own = { privateKey: this.privateKey, interfaceName: this.interfaceName };
    const plan = planReconcile(applied, { device, link, routes }, own);
    this.model = undefined;
    const outcome = await runReconcilePlan(this.reconcileEnv, plan, applied, () => {
      this.model = plan.model;
    });
    const corrected = [...recreated, ...plan.corrected, ...outcome.corrected];
    if (corrected.length > 0)
      this.ctx.logger.warn({ interface: this.interfaceName, corrected }, 'reconcile corrected drift');
    const { diff } = plan;
    return {
      peersAdded: diff.added.length,
      peersUpdated: diff.updated.length,
      peersRemoved: diff.removed.length,
      firewallReplaced: outcome.firewallReplaced,
      corrected,
    };
  }
}
