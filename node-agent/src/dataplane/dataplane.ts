/**
 * The seam between the agent and the host. The agent decides *what* a node must look like
 * (a `DesiredState`, from the verified signed config); a Dataplane makes the host look like
 * it. Implementations: `linux` (WireGuard through UAPI + nftables), `dry-run` (logs the plan,
 * touches nothing) and `memory` (an in-process host, for simulated agents and tests).
 */
export interface DesiredPeer {
  /** Base64, as in the config. */
  publicKey: string;
  allowedIps: string[];
  /** `ip:port` — hostnames are resolved by the agent before they reach a Dataplane. */
  endpoint?: string;
  persistentKeepalive?: number;
}

export interface DesiredForward {
  protocol: 'tcp' | 'udp';
  publicPort: number;
  targetIp: string;
  targetPort: number;
}

/**
 * One allow of the inbound filter, as the signed config carries it (CONTRACT §8): without `to`,
 * traffic from the tunnel addressed to this node; with `to` (this node's devices), traffic it
 * forwards to them. `ports` are inclusive ranges, only with tcp and udp; absent, every port.
 */
export interface DesiredFilterEntry {
  from: string[];
  to?: string[];
  proto: 'tcp' | 'udp' | 'icmp' | 'any';
  ports?: [number, number][];
}

/** What the node accepts from the tunnel; everything else from it is dropped. */
export interface DesiredFilter {
  inbound: DesiredFilterEntry[];
}

export interface DesiredState {
  revision: number;
  /** e.g. `100.96.0.5/16` */
  address: string;
  listenPort: number;
  peers: DesiredPeer[];
  forwards: DesiredForward[];
  masquerade: boolean;
  /** Absent: nothing from the tunnel is filtered (no access policy is set). */
  filter?: DesiredFilter;
}

export interface PeerStatus {
  publicKey: string;
  endpoint?: string;
  /** Seconds since the epoch of the latest handshake; absent when there was none. */
  latestHandshake?: number;
  rxBytes: number;
  txBytes: number;
}

/** Outcome of {@link Dataplane.ping}: `output` is ping's own text (or a simulation of it). */
export interface PingResult {
  ok: boolean;
  output: string;
  error?: string;
}

export interface ApplyReport {
  /** Peers added, changed and removed (untouched peers are not set again: that would reset handshakes). */
  peersAdded: number;
  peersUpdated: number;
  peersRemoved: number;
  /** True when the firewall table was replaced. */
  firewallReplaced: boolean;
}

export interface ReconcileReport extends ApplyReport {
  /** Human-readable descriptions of what was found different on the host and corrected. */
  corrected: string[];
}

export interface Dataplane {
  /** `linux`, `dry-run`, `memory`: shown in logs and status. */
  readonly kind: string;
  /**
   * Brings the host to `desired`, changing only what differs from what this Dataplane last
   * applied (no full read-back: a one-peer change on 10,000 peers must stay cheap).
   * All-or-nothing from the caller's view: on failure it throws, and the caller re-applies the
   * last good state.
   */
  apply(desired: DesiredState): Promise<ApplyReport>;
  /**
   * Reads the actual host state, compares it with the last applied desired state and repairs
   * every difference (a peer removed by hand, a tampered firewall table). Used periodically
   * and by the `reconcile` command.
   */
  reconcile(): Promise<ReconcileReport>;
  /** Per-peer counters and handshakes, for `status`. */
  peerStatus(): Promise<PeerStatus[]>;
  /**
   * A digest of the actual WireGuard and firewall state, and whether it matches what was last
   * applied. Cheap enough for every 15 s status.
   */
  digest(): Promise<{ stateDigest: string; drift: boolean }>;
  /** `wg show`-like text for the `wg_show` command. */
  show(): Promise<string>;
  /**
   * Pings a tunnel address for the `ping` command (the caller has checked it is one). Only the
   * `linux` backend sends packets; the others answer with a result marked as simulated and
   * never run a host program.
   */
  ping(targetIp: string, count: number): Promise<PingResult>;
  /** Releases what the Dataplane holds (e.g. stops wireguard-go); the tunnel may stay up. */
  close(): Promise<void>;
}
