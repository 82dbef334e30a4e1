import { describe, expect, it } from 'vitest';
import { MAX_STATUS_PEERS, statusPeers } from './status-peers.js';

describe('status peers fit in one gateway frame', () => {
  it('lists every peer of a small mesh', () => {
    const peers = [{ publicKey: 'k1', rxBytes: 1, txBytes: 2, latestHandshake: 5, endpoint: '192.0.2.1:51820' }];
    expect(statusPeers(peers)).toEqual({ peers: [{ public_key: 'k1', endpoint: '192.0.2.1:51820', latest_handshake: 5, rx_bytes: 1, tx_bytes: 2 }] });
  });

  it('keeps the most recently active peers of a large mesh, says how many there are, and stays under 64 KiB', () => {
    const peers = Array.from({ length: 10_000 }, (_, i) => ({
      publicKey: Buffer.alloc(32, i % 256).toString('base64'),
      endpoint: '198.51.100.200:51820',
      latestHandshake: 1_700_000_000 + i,
      rxBytes: 123_456_789,
      txBytes: 987_654_321,
    }));
    const result = statusPeers(peers);
    expect(result.peers).toHaveLength(MAX_STATUS_PEERS);
    expect(result.peers_total).toBe(10_000);
    expect(result.peers[0]!.latest_handshake).toBe(1_700_000_000 + 9_999);
    const frame = JSON.stringify({ type: 'publish', room: 'node:123456', event: 'status', data: { applied_revision: 1, ...result, state_digest: `sha256:${'f'.repeat(64)}`, drift: false }, id: 'c123' });
    expect(Buffer.byteLength(frame)).toBeLessThan(64 * 1024);
  });
});
