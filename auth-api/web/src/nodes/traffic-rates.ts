import type { PeerStats } from '../api/resources.js';

export interface TrafficSample {
  /** Seconds since the epoch (the event's `ts`). */
  at: number;
  peers: PeerStats[];
}

export interface TrafficPoint {
  at: number;
  /** Bytes per second received / sent, summed over the node's peers. */
  rx: number;
  tx: number;
}

/**
 * Pure: the node's receive and send rates between two status samples. A peer's counter that
 * went down (the interface was recreated) or a peer that is new counts from zero, never as a
 * negative rate.
 */
export function rateBetween(previous: TrafficSample, current: TrafficSample): TrafficPoint | undefined {
  const seconds = current.at - previous.at;
  if (seconds <= 0) return undefined;
  const before = new Map(previous.peers.map((peer) => [peer.public_key, peer]));
  let rx = 0;
  let tx = 0;
  for (const peer of current.peers) {
    const old = before.get(peer.public_key);
    rx += Math.max(0, peer.rx_bytes - (old && old.rx_bytes <= peer.rx_bytes ? old.rx_bytes : peer.rx_bytes));
    tx += Math.max(0, peer.tx_bytes - (old && old.tx_bytes <= peer.tx_bytes ? old.tx_bytes : peer.tx_bytes));
  }
  return { at: current.at, rx: rx / seconds, tx: tx / seconds };
}

/** Keeps the last `limit` rate points of a status stream. */
export class TrafficHistory {
  private last: TrafficSample | undefined;
  readonly points: TrafficPoint[] = [];

  constructor(private readonly limit = 120) {}

  add(sample: TrafficSample): TrafficPoint | undefined {
    const point = this.last ? rateBetween(this.last, sample) : undefined;
    this.last = sample;
    if (!point) return undefined;
    this.points.push(point);
    if (this.points.length > this.limit) this.points.splice(0, this.points.length - this.limit);
    return point;
  }
}
