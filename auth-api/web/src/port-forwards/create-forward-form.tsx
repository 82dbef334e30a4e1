import { createPortForwardRequest, fromTemplateRequest } from '@wirefleet/shared/schemas';
import { useState } from 'preact/hooks';
import type { FleetNode, PortForward, ServiceTemplate } from '../api/resources.js';
import { useServices } from '../app/services.js';
import { type FieldErrors, numberOrText, validate } from '../forms/validation.js';
import { Button, Field } from '../ui/components.js';
import { useAsync, useStore } from '../ui/hooks.js';

type Create = () => Promise<PortForward[]>;

interface Draft {
  mode: 'scratch' | 'template';
  template: string;
  protocol: 'tcp' | 'udp';
  public_port: string;
  target_ip: string;
  target_port: string;
  description: string;
}

const EMPTY: Draft = { mode: 'scratch', template: '', protocol: 'tcp', public_port: '', target_ip: '', target_port: '', description: '' };

/** A forward from scratch, or a template's set of ports, to a tunnel address of the fleet. */
export function CreateForwardForm({ node, onCreate, onCancel }: { node: FleetNode; onCreate: (create: Create) => Promise<void>; onCancel: () => void }) {
  const { http, fleet } = useServices();
  const [templates] = useAsync(() => http.get<{ items: ServiceTemplate[] }>('/v1/service-templates').then((r) => r.items), []);
  const snapshot = useStore(fleet.snapshot);
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [busy, setBusy] = useState(false);
  const set = (key: keyof Draft) => (event: Event) => setDraft({ ...draft, [key]: (event.currentTarget as HTMLInputElement).value });

  const request = (): { ok: true; create: Create } | { ok: false; errors: FieldErrors } => {
    if (draft.mode === 'template') {
      const checked = validate(fromTemplateRequest, { template: draft.template, target_ip: draft.target_ip.trim() });
      if (!checked.ok) return checked;
      return { ok: true, create: async () => (await http.post<{ items: PortForward[] }>(`/v1/nodes/${node.id}/port-forwards/from-template`, checked.value)).items };
    }
    const body = {
      protocol: draft.protocol,
      public_port: numberOrText(draft.public_port),
      target_ip: draft.target_ip.trim(),
      target_port: numberOrText(draft.target_port),
      ...(draft.description.trim() ? { description: draft.description.trim() } : {}),
    };
    const checked = validate(createPortForwardRequest, body);
    if (!checked.ok) return checked;
    return { ok: true, create: async () => [await http.post<PortForward>(`/v1/nodes/${node.id}/port-forwards`, checked.value)] };
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    const checked = request();
    setErrors(checked.ok ? {} : checked.errors);
    if (!checked.ok) return;
    setBusy(true);
    try {
      await onCreate(checked.create);
    } catch {
      // The panel shows the error in words; the form keeps what was typed.
    } finally {
      setBusy(false);
    }
  };

  const targets = [...snapshot.nodes.values()].filter((other) => other.id !== node.id);
  const field = (key: keyof Draft, label: string, extra: Record<string, unknown> = {}) => (
    <Field label={label} error={errors[key]}>
      {(id, describedBy) => <input id={id} name={key} value={draft[key]} onInput={set(key)} aria-describedby={describedBy} aria-invalid={errors[key] ? true : undefined} {...extra} />}
    </Field>
  );
  return (
    <form class="form-grid inset" onSubmit={submit} noValidate aria-label="New port forward">
      <fieldset class="choice">
        <legend>Start from</legend>
        <label><input type="radio" name="mode" value="scratch" checked={draft.mode === 'scratch'} onChange={set('mode')} /> Scratch</label>
        <label><input type="radio" name="mode" value="template" checked={draft.mode === 'template'} onChange={set('mode')} /> A template</label>
      </fieldset>
      {draft.mode === 'template' ? (
        <Field label="Template" error={errors.template}>
          {(id) => (
            <select id={id} name="template" value={draft.template} onChange={set('template')}>
              <option value="">Choose…</option>
              {(templates.value ?? []).map((template) => (
                <option key={template.name} value={template.name}>
                  {template.name}: {template.ports.map((port) => `${port.port}/${port.protocol}`).join(', ')}
                </option>
              ))}
            </select>
          )}
        </Field>
      ) : (
        <>
          <Field label="Protocol">
            {(id) => (
              <select id={id} name="protocol" value={draft.protocol} onChange={set('protocol')}>
                <option value="tcp">TCP</option>
                <option value="udp">UDP</option>
              </select>
            )}
          </Field>
          {field('public_port', 'Public port', { inputMode: 'numeric' })}
          {field('target_port', 'Target port', { inputMode: 'numeric' })}
          {field('description', 'Description (optional)')}
        </>
      )}
      {field('target_ip', 'Target tunnel IP', { list: `targets-${node.id}`, placeholder: '100.96.0.x' })}
      <datalist id={`targets-${node.id}`}>
        {targets.map((other) => (
          <option key={other.id} value={other.tunnel_ip}>{other.name}</option>
        ))}
      </datalist>
      <div class="form-actions">
        <Button type="submit" variant="primary" busy={busy}>Create forward</Button>
        <Button onClick={onCancel}>Cancel</Button>
      </div>
    </form>
  );
}
