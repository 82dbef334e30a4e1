import type { Device } from '../api/resources.js';
import { Link } from '../app/link.js';
import { useServices } from '../app/services.js';
import { ConfirmButton } from '../ui/components.js';
import { dateTime, shortKey } from '../ui/format.js';
import { useStore } from '../ui/hooks.js';

export function DevicesTable({ devices, canWrite, onDelete, showNode = true }: { devices: Device[]; canWrite: boolean; onDelete: (device: Device) => Promise<void>; showNode?: boolean }) {
  const { fleet } = useServices();
  const snapshot = useStore(fleet.snapshot);
  return (
    <table class="table" data-testid="devices-table">
      <thead>
        <tr>
          <th scope="col">Device</th>
          <th scope="col">Tunnel IP</th>
          <th scope="col">Tags</th>
          {showNode ? <th scope="col">Node</th> : null}
          <th scope="col">Public key</th>
          <th scope="col">Created</th>
          {canWrite ? <th scope="col"><span class="visually-hidden">Actions</span></th> : null}
        </tr>
      </thead>
      <tbody>
        {devices.map((device) => (
          <tr key={device.id}>
            <th scope="row">{device.name}</th>
            <td class="mono">{device.tunnel_ip}</td>
            <td>{device.tags.join(', ') || '—'}</td>
            {showNode ? <td><Link href={`/nodes/${device.node_id}`}>{snapshot.nodes.get(device.node_id)?.name ?? `node ${device.node_id}`}</Link></td> : null}
            <td class="mono" title={device.wg_public_key}>{shortKey(device.wg_public_key)}</td>
            <td>{dateTime(device.created_at)}</td>
            {canWrite ? (
              <td class="actions">
                <ConfirmButton label="Delete" question={`Delete device ${device.name}?`} confirmLabel="Delete device" onConfirm={() => onDelete(device)} />
              </td>
            ) : null}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
