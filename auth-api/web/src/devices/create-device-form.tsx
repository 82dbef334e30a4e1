import { createDeviceRequest } from '@wirefleet/shared/schemas';
import { useState } from 'preact/hooks';
import type { CreatedDevice } from '../api/resources.js';
import { useServices } from '../app/services.js';
import { facets } from '../fleet/filter-nodes.js';
import { FormActions, TextField } from '../forms/form-parts.js';
import { useDraft } from '../forms/use-draft.js';
import { useFormSubmit } from '../forms/use-form-submit.js';
import { type Checked, validate } from '../forms/validation.js';
import { ErrorNotice, Field } from '../ui/components.js';
import { useStore } from '../ui/hooks.js';
import { withPrivateKey } from './client-config.js';
import { generateWireguardKeyPair, type WireguardKeyPair } from './wireguard-keys.js';

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

/** Where the device connects: a node (by id) or any online node of a region. */
interface Placement {
  kind: 'node' | 'region';
  target: string;
}

type DeviceRequest = { body: unknown; keys: WireguardKeyPair };

interface DeviceDraft {
  name: string;
  /** Comma- or space-separated. */
  tags: string;
}

/** The request for a new device with this public key; a missing placement is the target's error. */
function checkDevice(
  draft: DeviceDraft,
  placement: Placement,
  keys: WireguardKeyPair,
): Checked<DeviceRequest> {
  const { kind, target } = placement;
  const where = kind === 'node' ? { node_id: Number(target) || target } : { region: target };
  const tags = draft.tags.split(/[\s,]+/).filter(Boolean);
  const checked = validate(createDeviceRequest, {
    name: draft.name.trim(),
    wg_public_key: keys.publicKey,
    ...where,
    tags,
  });
  if (checked.ok) return { ok: true, value: { body: checked.value, keys } };
  const { errors } = checked;
  return {
    ok: false,
    errors: { ...errors, ...(errors.form ? { target: 'Choose where the device connects.' } : {}) },
  };
}

/**
 * Makes the device's key pair here, sends only the public key, and hands back the API's client
 * config with the private key filled in.
 */
export function CreateDeviceForm({ nodeId, onCreated, onCancel }: Props) {
  const { http } = useServices();
  const [draft, set] = useDraft<DeviceDraft>({ name: '', tags: '' });
  const [placement, setPlacement] = useState<Placement>({
    kind: 'node',
    target: nodeId ? String(nodeId) : '',
  });
  const { errors, failure, busy, onSubmit } = useFormSubmit(
    async () => checkDevice(draft, placement, await generateWireguardKeyPair()),
    async ({ body, keys }) => {
      const device = await http.post<CreatedDevice>('/v1/devices', body);
      onCreated({ name: device.name, config: withPrivateKey(device.client_config, keys.privateKey) });
    },
  );
  return (
    <form class="form-grid inset" onSubmit={onSubmit} noValidate aria-label="New device">
      {failure ? <ErrorNotice error={failure} /> : null}
      <TextField
        label="Device name"
        hint="For example alice-laptop."
        error={errors.name}
        name="device-name"
        value={draft.name}
        onInput={set('name')}
      />
      {nodeId ? null : (
        <PlacementFields
          value={placement}
          onChange={setPlacement}
          error={errors.target ?? errors.node_id ?? errors.region}
        />
      )}
      <TextField
        label="Tags (optional)"
        hint="Names the access policy matches (tag:<name>), comma-separated."
        error={errors.tags}
        name="device-tags"
        value={draft.tags}
        onInput={set('tags')}
      />
      <p class="field-hint">The key pair is made in this browser; only the public key is sent.</p>
      <FormActions submit="Create device" busy={busy} onCancel={onCancel} />
    </form>
  );
}

/** A node or a region of the fleet; switching between the two clears the choice. */
function PlacementFields(props: {
  value: Placement;
  onChange: (value: Placement) => void;
  error?: string | undefined;
}) {
  const { value, onChange, error } = props;
  const { fleet } = useServices();
  const snapshot = useStore(fleet.snapshot);
  const nodes = [...snapshot.nodes.values()].sort((a, b) => a.name.localeCompare(b.name));
  const { regions } = facets(snapshot.nodes.values());
  const choose = (kind: Placement['kind']) => () => onChange({ kind, target: '' });
  return (
    <>
      <fieldset class="choice">
        <legend>Connects through</legend>
        <label>
          <input type="radio" name="placement" checked={value.kind === 'node'} onChange={choose('node')} /> A
          node
        </label>
        <label>
          <input
            type="radio"
            name="placement"
            checked={value.kind === 'region'}
            onChange={choose('region')}
          />{' '}
          Any online node of a region
        </label>
      </fieldset>
      <Field label={value.kind === 'node' ? 'Node' : 'Region'} error={error}>
        {(id) => (
          <select
            id={id}
            name="target"
            value={value.target}
            onChange={(e) => onChange({ kind: value.kind, target: e.currentTarget.value })}
          >
            <option value="">Choose…</option>
            {value.kind === 'node'
              ? nodes.map((node) => (
                  <option key={node.id} value={node.id}>
                    {node.name}
                    {node.online ? '' : ' (offline)'}
                  </option>
                ))
              : regions.map((region) => (
                  <option key={region} value={region}>
                    {region}
                  </option>
                ))}
          </select>
        )}
      </Field>
    </>
  );
}
