import { useState } from 'preact/hooks';
import { readAllPages } from '../api/http-client.js';
import type { Device, FleetNode } from '../api/resources.js';
import { useServices } from '../app/services.js';
import { Button } from '../ui/components.js';
import { useAsync } from '../ui/hooks.js';
import { ListStatus } from '../ui/list-status.js';
import { type CreatedDeviceConfig, CreateDeviceForm } from './create-device-form.js';
import { DeviceConfigDialog } from './device-config-dialog.js';
import { DevicesTable } from './devices-table.js';

/** The devices attached to one node (the API lists all devices; this keeps the node's). */
export function NodeDevicesPanel({
  node,
  canWrite,
  onChanged,
}: {
  node: FleetNode;
  canWrite: boolean;
  onChanged: () => void;
}) {
  const { http } = useServices();
  const [devices, reload] = useAsync(
    () =>
      readAllPages<Device>(http, '/v1/devices', { limit: 500 }).then((all) =>
        all.filter((device) => device.node_id === node.id),
      ),
    [node.id],
  );
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<CreatedDeviceConfig>();
  const remove = async (device: Device) => {
    await http.delete(`/v1/devices/${device.id}`);
    reload();
    onChanged();
  };
  return (
    <section class="card" aria-labelledby="devices-title">
      <div class="card-header">
        <h2 id="devices-title">Devices</h2>
        {canWrite && !creating ? (
          <Button variant="primary" onClick={() => setCreating(true)}>
            New device
          </Button>
        ) : null}
      </div>
      {creating ? (
        <CreateDeviceForm
          nodeId={node.id}
          onCancel={() => setCreating(false)}
          onCreated={(config) => {
            setCreating(false);
            setCreated(config);
            reload();
            onChanged();
          }}
        />
      ) : null}
      {created ? (
        <DeviceConfigDialog
          name={created.name}
          config={created.config}
          onClose={() => setCreated(undefined)}
        />
      ) : null}
      <ListStatus list={devices} what="devices" empty="No devices connect through this node." />
      {devices.value && devices.value.length > 0 ? (
        <DevicesTable devices={devices.value} canWrite={canWrite} onDelete={remove} showNode={false} />
      ) : null}
    </section>
  );
}
