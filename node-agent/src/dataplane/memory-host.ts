import type { DesiredFilter, DesiredForward, DesiredPeer, DesiredState } from './dataplane.js';

interface Firewall {
  forwards: DesiredForward[];
  masquerade: boolean;
  /** The access-policy filter's chains; null when the table has none. */
  filter: DesiredFilter | null;
}

/** The firewall table `desired` makes. */
export function firewallOf(desired: DesiredState): Firewall {
  return {
    forwards: structuredClone(desired.forwards),
    masquerade: desired.masquerade,
    filter: desired.filter === undefined ? null : structuredClone(desired.filter),
  };
}

/**
 * The host a MemoryDataplane drives: its WireGuard peers and its firewall table. Tests change
 * it "by hand", as root could on a real host (a peer removed with `wg set … remove`, the table
 * deleted with `nft`), so `reconcile` and `digest` have something real to find — the same
 * contract the linux backend meets (dataplane.test-suite.ts).
 */
export class MemoryHost {
  readonly peers = new Map<string, DesiredPeer>();
  firewall: Firewall | undefined;

  /** By hand: a peer removed behind the agent's back. */
  removePeer(publicKey: string): void {
    this.peers.delete(publicKey);
  }

  /** By hand: the filter's chains deleted from the agent's table (`nft delete chain …`). */
  deleteFilter(): void {
    if (this.firewall) this.firewall = { ...this.firewall, filter: null };
  }

  /** By hand: the agent's firewall table deleted. */
  deleteFirewall(): void {
    this.firewall = undefined;
  }

  /** What an apply or a repair leaves on the host. */
  write(desired: DesiredState): void {
    this.peers.clear();
    for (const peer of desired.peers) this.peers.set(peer.publicKey, structuredClone(peer));
    this.firewall = firewallOf(desired);
  }

  /** What differs from `desired`, one line per difference (empty: the host is as desired). */
  differences(desired: DesiredState): string[] {
    const found: string[] = [];
    for (const peer of desired.peers) {
      const actual = this.peers.get(peer.publicKey);
      if (!actual) found.push(`peer ${peer.publicKey} missing`);
      else if (JSON.stringify(actual) !== JSON.stringify(peer)) found.push(`peer ${peer.publicKey} differs`);
    }
    const wanted = new Set(desired.peers.map((peer) => peer.publicKey));
    for (const key of this.peers.keys()) if (!wanted.has(key)) found.push(`unknown peer ${key}`);
    if (JSON.stringify(this.firewall) !== JSON.stringify(firewallOf(desired)))
      found.push('firewall table differs');
    return found;
  }

  /** A canonical text of the host's state, for its digest. */
  canonical(): string {
    const peers = [...this.peers.values()].sort((a, b) => a.publicKey.localeCompare(b.publicKey));
    return JSON.stringify({ peers, firewall: this.firewall ?? null });
  }
}
