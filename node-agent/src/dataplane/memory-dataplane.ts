import { createHash } from 'node:crypto';
import type { Logger } from '@wirefleet/shared/logging';
import { ipv4InCidr, parseCidr } from '@wirefleet/shared/schemas';
import type {
  ApplyReport,
  Dataplane,
  DesiredPeer,
  DesiredState,
  PeerStatus,
  PingResult,
  ReconcileReport,
} from './dataplane.js';
import { firewallOf, MemoryHost } from './memory-host.js';
import { checkFilter, summarizeFilter } from './render/nft-filter.js';

/** Counts what changes between two peer lists, by public key. */
export function countPeerChanges(
  previous: DesiredPeer[],
  next: DesiredPeer[],
): Omit<ApplyReport, 'firewallReplaced'> {
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
  /** The simulated host; tests change it by hand to exercise reconcile. */
  readonly host = new MemoryHost();
  private applied: DesiredState | undefined;

  private readonly now: () => number;
  private readonly startedAt: number;

  constructor(
    private readonly logger: Logger,
    options: { dryRun?: boolean; now?: () => number } = {},
  ) {
    this.kind = options.dryRun ? 'dry-run' : 'memory';
    this.now = options.now ?? Date.now;
    this.startedAt = this.now();
  }

  /**
   * The filter is validated as the linux backend validates it, so a filter it would refuse
   * fails here too (fail closed, nothing changed), and dry-run logs the rules it would render.
   */
  async apply(desired: DesiredState): Promise<ApplyReport> {
    const filter = desired.filter === undefined ? undefined : summarizeFilter(checkFilter(desired.filter));
    const changes = countPeerChanges(this.applied?.peers ?? [], desired.peers);
    const firewallReplaced =
      this.applied === undefined ||
      JSON.stringify(firewallOf(this.applied)) !== JSON.stringify(firewallOf(desired));
    this.logger.info(
      {
        backend: this.kind,
        revision: desired.revision,
        address: desired.address,
        ...changes,
        firewallReplaced,
        forwards: desired.forwards.length,
        ...(filter === undefined ? {} : { filter }),
      },
      this.kind === 'dry-run' ? 'dry-run: would apply (nothing touched)' : 'applied (in memory)',
    );
    this.applied = structuredClone(desired);
    this.host.write(desired);
    return { ...changes, firewallReplaced };
  }

  /** Repairs what was changed on the host by hand since the last apply. */
  async reconcile(): Promise<ReconcileReport> {
    const applied = this.applied;
    const corrected = applied ? this.host.differences(applied) : [];
    if (!applied || corrected.length === 0)
      return { peersAdded: 0, peersUpdated: 0, peersRemoved: 0, firewallReplaced: false, corrected };
    const changes = countPeerChanges([...this.host.peers.values()], applied.peers);
    const firewallReplaced = corrected.includes('firewall table differs');
    this.host.write(applied);
    this.logger.warn({ backend: this.kind, corrected }, 'reconcile repaired the simulated host');
    return { ...changes, firewallReplaced, corrected };
  }

  /**
   * `memory` simulates a lively tunnel, so the dashboard of `npm start` has handshakes and
   * traffic to show: each peer shakes hands every two minutes and moves a steady, made-up number
   * of bytes per second (its own, from its key). `dry-run` reports no traffic: it touches nothing.
   */
  async peerStatus(): Promise<PeerStatus[]> {
    const seconds = (this.now() - this.startedAt) / 1000;
    const lively = this.kind === 'memory';
    return [...this.host.peers.values()].map((peer) => {
      const rate = lively ? 2_000 + (peer.publicKey.charCodeAt(0) % 64) * 500 : 0;
      return {
        publicKey: peer.publicKey,
        ...(peer.endpoint ? { endpoint: peer.endpoint } : {}),
        ...(lively ? { latestHandshake: Math.floor(this.now() / 1000 - (seconds % 120)) } : {}),
        rxBytes: Math.round(seconds * rate),
        txBytes: Math.round(seconds * rate * 0.6),
      };
    });
  }

  async digest(): Promise<{ stateDigest: string; drift: boolean }> {
    const digest = createHash('sha256').update(this.host.canonical()).digest('hex');
    return {
      stateDigest: `sha256:${digest}`,
      drift: this.applied ? this.host.differences(this.applied).length > 0 : false,
    };
  }

  /** Laid out like `wg show`, with the interface line saying the host is simulated. */
  async show(): Promise<string> {
    const applied = this.applied;
    if (!applied) return `interface: (simulated by the ${this.kind} backend; nothing applied yet)`;
    const lines = [
      `interface: (simulated by the ${this.kind} backend)`,
      `  address: ${applied.address}`,
      `  listening port: ${applied.listenPort}`,
    ];
    for (const peer of this.host.peers.values()) {
      lines.push('', `peer: ${peer.publicKey}`);
      if (peer.endpoint) lines.push(`  endpoint: ${peer.endpoint}`);
      lines.push(`  allowed ips: ${peer.allowedIps.join(', ') || '(none)'}`);
      if (peer.persistentKeepalive)
        lines.push(`  persistent keepalive: every ${peer.persistentKeepalive} seconds`);
    }
    return lines.join('\n');
  }

  /**
   * A ping that sends nothing: an address this host routes through the tunnel (its own, or a
   * peer's allowed IPs) answers after a made-up round trip, anything else is unreachable. The
   * output says it is simulated, so nobody mistakes it for a measurement.
   */
  async ping(targetIp: string, count: number): Promise<PingResult> {
    const header = `PING ${targetIp} (${targetIp}): simulated by the ${this.kind} backend, no packet sent`;
    if (!this.routes(targetIp)) {
      const output = `${header}\n\n--- ${targetIp} ping statistics ---\n${count} packets transmitted, 0 received, 100% packet loss`;
      return {
        ok: false,
        output,
        error: `ping failed: ${targetIp} is not reachable through this node's tunnel`,
      };
    }
    const rtts = Array.from({ length: count }, (_, i) => 0.4 + ((i * 7) % 5) / 10);
    const lines = rtts.map(
      (rtt, i) => `64 bytes from ${targetIp}: icmp_seq=${i + 1} ttl=64 time=${rtt.toFixed(3)} ms`,
    );
    const min = Math.min(...rtts).toFixed(3);
    const max = Math.max(...rtts).toFixed(3);
    const avg = (rtts.reduce((sum, rtt) => sum + rtt, 0) / count).toFixed(3);
    const summary = `${count} packets transmitted, ${count} received, 0% packet loss\nrtt min/avg/max = ${min}/${avg}/${max} ms`;
    return {
      ok: true,
      output: [header, ...lines, '', `--- ${targetIp} ping statistics ---`, summary].join('\n'),
    };
  }

  private routes(targetIp: string): boolean {
    const applied = this.applied;
    if (!applied) return false;
    if (applied.address.split('/')[0] === targetIp) return true;
    return applied.peers.some((peer) =>
      peer.allowedIps.some((cidr) => {
        const parsed = parseCidr(cidr);
        return parsed !== undefined && ipv4InCidr(targetIp, parsed);
      }),
    );
  }

  async close(): Promise<void> {
    // Nothing is held: the "host" is this object.
  }
}
