import { createDeviceRequest } from '@wirefleet/shared/schemas';
import { useState } from 'preact/hooks';
import type { CreatedDevice } from '../api/resources.js';
import { useServices } from '../app/services.js';
import { facets } from '../fleet/filter-nodes.js';
import { type FieldErrors, validate } from '../forms/validation.js';
import { Button, ErrorNotice, Field } from '../ui/components.js';
import { useStore } from '../ui/hooks.js';
import { withPrivateKey } from './client-config.js';
import { generateWireguardKeyPair } from './wireguard-keys.js';

export interface CreatedDeviceConfig {
  name: string;
  config: string;
}

interface Props {
  /** Fixed placement on this node; without it the form offers a node or a region. */
  nodeId?: number;
  onCreated: (created: CreatedDeviceConfig) => void;
  onCancel: () => void;
}

/**
 * Makes the device's key pair here, sends only the public key, and hands back the API's client
 * config with the private key filled in.
 */
export function CreateDeviceForm({ nodeId, onCreated, onCancel }: Props) {
  const { http, fleet } = useServices();
  const snapshot = useStore(fleet.snapshot);
  const [name, setName] = useState('');
  const [placement, setPlacement] = useState<'node' | 'region'>('node');
  const [target, setTarget] = useState(nodeId ? String(nodeId) : '');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [failure, setFailure] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const nodes = [...snapshot.nodes.values()].sort((a, b) => a.name.localeCompare(b.name));
  const { regions } = facets(snapshot.nodes.values());

  const submit = async (event: Event) => {
    event.preventDefault();
    setFailure(undefined);
    setBusy(true);
    try {
      const keys = await generateWireguardKeyPair();
      const where = placement === 'node' || nodeId ? { node_id: Number(target) || target } : { region: target };
      const checked = validate(createDeviceRequest, { name: name.trim(), wg_public_key: keys.publicKey, ...where });
      setErrors(checked.ok ? {} : { ...checked.errors, ...(checked.errors.form ? { target: 'Choose where the device connects.' } : {}) });
      if (!checked.ok) return;
      const device = await http.post<CreatedDevice>('/v1/devices', checked.value);
      onCreated({ name: device.name, config: withPrivateKey(device.client_config, keys.privateKey) });
    } catch (error) {
      setFailure(error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="form-grid inset" onSubmit={submit} noValidate aria-label="New device">
      {failure ? <ErrorNotice error={failure} /> : null}
      <Field label="Device name" hint="For example alice-laptop." error={errors.name}>
        {(id, describedBy) => <input id={id} name="device-name" value={name} onInput={(e) => setName(e.currentTarget.value)} aria-describedby={describedBy} aria-invalid={errors.name ? true : undefined} />}
      </Field>
      {nodeId ? null : (
        <fieldset class="choice">
          <legend>Connects through</legend>
          <label><input type="radio" name="placement" checked={placement === 'node'} onChange={() => { setPlacement('node'); setTarget(''); }} /> A node</label>
          <label><input type="radio" name="placement" checked={placement === 'region'} onChange={() => { setPlacement('region'); setTarget(''); }} /> Any online node of a region</label>
        </fieldset>
      )}
      {nodeId ? null : (
        <Field label={placement === 'node' ? 'Node' : 'Region'} error={errors.target ?? errors.node_id ?? errors.region}>
          {(id) => (
            <select id={id} name="target" value={target} onChange={(e) => setTarget(e.currentTarget.value)}>
              <option value="">Choose…</option>
              {placement === 'node'
                ? nodes.map((node) => <option key={node.id} value={node.id}>{node.name}{node.online ? '' : ' (offline)'}</option>)
                : regions.map((region) => <option key={region} value={region}>{region}</option>)}
            </select>
          )}
        </Field>
      )}
      <p class="field-hint">The key pair is made in this browser; only the public key is sent.</p>
      <div class="form-actions">
        <Button type="submit" variant="primary" busy={busy}>Create device</Button>
        <Button onClick={onCancel}>Cancel</Button>
      </div>
    </form>
  );
}
