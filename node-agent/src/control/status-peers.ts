import type { PeerStatus } from '../dataplane/dataplane.js';

/** Peers listed in one status frame: gateway frames are at most 64 KiB, a peer takes up to ~200 bytes. */
export const MAX_STATUS_PEERS = 300;

/**
 * The peers of a status report: all of them on small meshes; on large ones the most recently
 * active, with `peers_total` so the dashboard knows the list is partial.
 */
export function statusPeers(peers: PeerStatus[]): {
  peers: Array<Record<string, unknown>>;
  peers_total?: number;
} {
  const chosen =
    peers.length <= MAX_STATUS_PEERS
      ? peers
      : [...peers]
          .sort((a, b) => (b.latestHandshake ?? 0) - (a.latestHandshake ?? 0))
          .slice(0, MAX_STATUS_PEERS);
  return {
    peers: chosen.map((peer) => ({
      public_key: peer.publicKey,
      ...(peer.endpoint ? { endpoint: peer.endpoint } : {}),
      ...(peer.latestHandshake ? { latest_handshake: peer.latestHandshake } : {}),
      rx_bytes: peer.rxBytes,
      tx_bytes: peer.txBytes,
    })),
    ...(peers.length > chosen.length ? { peers_total: peers.length } : {}),
  };
}
