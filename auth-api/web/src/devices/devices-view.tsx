import { useState } from 'preact/hooks';
import { readAllPages } from '../api/http-client.js';
import type { Device } from '../api/resources.js';
import { useServices } from '../app/services.js';
import { Button, PageHeader } from '../ui/components.js';
import { useAsync } from '../ui/hooks.js';
import { ListStatus } from '../ui/list-status.js';
import { type CreatedDeviceConfig, CreateDeviceForm } from './create-device-form.js';
import { DeviceConfigDialog } from './device-config-dialog.js';
import { DevicesTable } from './devices-table.js';

/** Devices (plain WireGuard peers) of the whole fleet. */
export function DevicesView({ canWrite }: { canWrite: boolean }) {
  const { http } = useServices();
  const [devices, reload] = useAsync(() => readAllPages<Device>(http, '/v1/devices', { limit: 500 }), []);
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<CreatedDeviceConfig>();
  const remove = async (device: Device) => {
    await http.delete(`/v1/devices/${device.id}`);
    reload();
  };
  return (
    <section>
      <PageHeader title="Devices">
        {canWrite && !creating ? (
          <Button variant="primary" onClick={() => setCreating(true)}>
            New device
          </Button>
        ) : null}
      </PageHeader>
      {creating ? (
        <CreateDeviceForm
          onCancel={() => setCreating(false)}
          onCreated={(config) => {
            setCreating(false);
            setCreated(config);
            reload();
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
      <ListStatus
        list={devices}
        what="devices"
        empty="No devices yet. A device is a laptop or phone that joins the tunnel through a node."
      />
      {devices.value && devices.value.length > 0 ? (
        <DevicesTable devices={devices.value} canWrite={canWrite} onDelete={remove} />
      ) : null}
    </section>
  );
}
