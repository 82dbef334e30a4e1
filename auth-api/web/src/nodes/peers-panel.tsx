import type { FleetNode } from '../api/resources.js';
import { useServices } from '../app/services.js';
import { Empty } from '../ui/components.js';
import { ago, bytes, shortKey } from '../ui/format.js';
import { useNow, useStore } from '../ui/hooks.js';

/** The node's WireGuard peers as its last status report gave them, named where the fleet knows them. */
export function PeersPanel({ node }: { node: FleetNode }) {
  const { fleet } = useServices();
  const snapshot = useStore(fleet.snapshot);
  const now = useNow();
  const names = new Map<string, string>();
  for (const other of snapshot.nodes.values()) names.set(other.wg_public_key, other.name);
  const peers = node.peers ?? [];
  return (
    <section class="card" aria-labelledby="peers-title">
      <h2 id="peers-title">Peers</h2>
      {peers.length === 0 ? (
        <Empty>No peers reported yet{node.online ? '' : ' (the node is offline)'}.</Empty>
      ) : (
        <table class="table">
          <thead>
            <tr>
              <th scope="col">Peer</th>
              <th scope="col">Endpoint</th>
              <th scope="col">Last handshake</th>
              <th scope="col">Received</th>
              <th scope="col">Sent</th>
            </tr>
          </thead>
          <tbody>
            {peers.map((peer) => (
              <tr key={peer.public_key}>
                <th scope="row" title={peer.public_key}>
                  {names.get(peer.public_key) ?? <span class="mono">{shortKey(peer.public_key)}</span>}
                </th>
                <td class="mono">{peer.endpoint ?? '—'}</td>
                <td>{peer.latest_handshake ? ago(peer.latest_handshake * 1000, now) : 'never'}</td>
                <td class="number">{bytes(peer.rx_bytes)}</td>
                <td class="number">{bytes(peer.tx_bytes)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
