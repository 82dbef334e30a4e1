import { createHash } from 'node:crypto';
import type { Logger } from '@wirefleet/shared/logging';
import type { ApplyReport, Dataplane, DesiredPeer, DesiredState, PeerStatus, ReconcileReport } from './dataplane.js';

/** Counts what changes between two peer lists, by public key. */
export function countPeerChanges(previous: DesiredPeer[], next: DesiredPeer[]): Omit<ApplyReport, 'firewallReplaced'> {
  const before = new Map(previous.map((peer) => [peer.publicKey, JSON.stringify(peer)]));
  const after = new Map(next.map((peer) => [peer.publicKey, JSON.stringify(peer)]));
  let peersAdded = 0;
  let peersUpdated = 0;
  for (const [key, value] of after) {
    if (!before.has(key)) peersAdded += 1;
    else if (before.get(key) !== value) peersUpdated += 1;
  }
  const peersRemoved = [...before.keys()].filter((key) => !after.has(key)).length;
  return { peersAdded, peersUpdated, peersRemoved };
}

/**
 * A host that exists only in memory: simulated agents (`npm start`) and tests use it to run the
 * whole agent without root. `dryRun` makes it log the plan as the `dry-run` backend does.
 */
export class MemoryDataplane implements Dataplane {
  readonly kind: string;
  private applied: DesiredState | undefined;

  constructor(
    private readonly logger: Logger,
    options: { dryRun?: boolean } = {},
  ) {
    this.kind = options.dryRun ? 'dry-run' : 'memory';
  }

  async apply(desired: DesiredState): Promise<ApplyReport> {
    const changes = countPeerChanges(this.applied?.peers ?? [], desired.peers);
    const firewallReplaced =
      JSON.stringify([this.applied?.forwards, this.applied?.masquerade]) !== JSON.stringify([desired.forwards, desired.masquerade]);
    this.logger.info(
      { backend: this.kind, revision: desired.revision, address: desired.address, ...changes, firewallReplaced, forwards: desired.forwards.length },
      this.kind === 'dry-run' ? 'dry-run: would apply (nothing touched)' : 'applied (in memory)',
    );
    this.applied = structuredClone(desired);
    return { ...changes, firewallReplaced };
  }

  async reconcile(): Promise<ReconcileReport> {
    return { peersAdded: 0, peersUpdated: 0, peersRemoved: 0, firewallReplaced: false, corrected: [] };
  }

  async peerStatus(): Promise<PeerStatus[]> {
    return (this.applied?.peers ?? []).map((peer) => ({
      publicKey: peer.publicKey,
      ...(peer.endpoint ? { endpoint: peer.endpoint } : {}),
      rxBytes: 0,
      txBytes: 0,
    }));
  }

  async digest(): Promise<{ stateDigest: string; drift: boolean }> {
    const digest = createHash('sha256').update(JSON.stringify(this.applied ?? null)).digest('hex');
    return { stateDigest: `sha256:${digest}`, drift: false };
  }

  async show(): Promise<string> {
    const peers = this.applied?.peers ?? [];
    return [`interface: (${this.kind})`, `  address: ${this.applied?.address ?? '-'}`, ...peers.map((peer) => `peer: ${peer.publicKey}\n  allowed ips: ${peer.allowedIps.join(', ')}`)].join('\n');
  }

  async close(): Promise<void> {
    // Nothing is held: the "host" is this object.
  }
}
