import { createPortForwardRequest, fromTemplateRequest } from '@wirefleet/shared/schemas';
import type { HttpClient } from '../api/http-client.js';
import type { FleetNode, PortForward, ServiceTemplate } from '../api/resources.js';
import { useServices } from '../app/services.js';
import { FormActions, TextField } from '../forms/form-parts.js';
import { useDraft } from '../forms/use-draft.js';
import { useFormSubmit } from '../forms/use-form-submit.js';
import { type Checked, type FieldErrors, numberOrText, validate } from '../forms/validation.js';
import { Field } from '../ui/components.js';
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

const EMPTY: Draft = {
  mode: 'scratch',
  template: '',
  protocol: 'tcp',
  public_port: '',
  target_ip: '',
  target_port: '',
  description: '',
};

/** The draft as the request it makes: a template's set of forwards, or one forward from scratch. */
function forwardRequest(http: HttpClient, nodeId: number, draft: Draft): Checked<Create> {
  if (draft.mode === 'template') {
    const checked = validate(fromTemplateRequest, {
      template: draft.template,
      target_ip: draft.target_ip.trim(),
    });
    if (!checked.ok) return checked;
    const path = `/v1/nodes/${nodeId}/port-forwards/from-template`;
    return {
      ok: true,
      value: async () => (await http.post<{ items: PortForward[] }>(path, checked.value)).items,
    };
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
  const path = `/v1/nodes/${nodeId}/port-forwards`;
  return { ok: true, value: async () => [await http.post<PortForward>(path, checked.value)] };
}

interface DraftProps {
  draft: Draft;
  set: (key: keyof Draft) => (event: Event) => void;
  errors: FieldErrors;
}

/** A forward from scratch, or a template's set of ports, to a tunnel address of the fleet. */
export function CreateForwardForm(props: {
  node: FleetNode;
  onCreate: (create: Create) => Promise<void>;
  onCancel: () => void;
}) {
  const { node, onCreate, onCancel } = props;
  const { http } = useServices();
  const [templates] = useAsync(
    () => http.get<{ items: ServiceTemplate[] }>('/v1/service-templates').then((r) => r.items),
    [],
  );
  const [draft, set] = useDraft<Draft>(EMPTY);
  // A failure is not shown here: the panel says it in words, and the form keeps what was typed.
  const { errors, busy, onSubmit } = useFormSubmit(() => forwardRequest(http, node.id, draft), onCreate);
  const fields = { draft, set, errors };
  return (
    <form class="form-grid inset" onSubmit={onSubmit} noValidate aria-label="New port forward">
      <fieldset class="choice">
        <legend>Start from</legend>
        <label>
          <input
            type="radio"
            name="mode"
            value="scratch"
            checked={draft.mode === 'scratch'}
            onChange={set('mode')}
          />{' '}
          Scratch
        </label>
        <label>
          <input
            type="radio"
            name="mode"
            value="template"
            checked={draft.mode === 'template'}
            onChange={set('mode')}
          />{' '}
          A template
        </label>
      </fieldset>
      {draft.mode === 'template' ? (
        <TemplateField templates={templates.value ?? []} {...fields} />
      ) : (
        <ScratchFields {...fields} />
      )}
      <TargetField node={node} {...fields} />
      <FormActions submit="Create forward" busy={busy} onCancel={onCancel} />
    </form>
  );
}

function TemplateField({ draft, set, errors, templates }: DraftProps & { templates: ServiceTemplate[] }) {
  return (
    <Field label="Template" error={errors.template}>
      {(id) => (
        <select id={id} name="template" value={draft.template} onChange={set('template')}>
          <option value="">Choose…</option>
          {templates.map((template) => (
            <option key={template.name} value={template.name}>
              {template.name}: {template.ports.map((port) => `${port.port}/${port.protocol}`).join(', ')}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

function ScratchFields({ draft, set, errors }: DraftProps) {
  const text = (key: keyof Draft, label: string, numeric = false) => (
    <TextField
      label={label}
      error={errors[key]}
      name={key}
      value={draft[key]}
      onInput={set(key)}
      {...(numeric ? { inputMode: 'numeric' as const } : {})}
    />
  );
  return (
    <>
      <Field label="Protocol">
        {(id) => (
          <select id={id} name="protocol" value={draft.protocol} onChange={set('protocol')}>
            <option value="tcp">TCP</option>
            <option value="udp">UDP</option>
          </select>
        )}
      </Field>
      {text('public_port', 'Public port', true)}
      {text('target_port', 'Target port', true)}
      {text('description', 'Description (optional)')}
    </>
  );
}

/** The tunnel address to forward to, with the fleet's other nodes offered. */
function TargetField({ node, draft, set, errors }: DraftProps & { node: FleetNode }) {
  const { fleet } = useServices();
  const snapshot = useStore(fleet.snapshot);
  const targets = [...snapshot.nodes.values()].filter((other) => other.id !== node.id);
  return (
    <>
      <TextField
        label="Target tunnel IP"
        error={errors.target_ip}
        name="target_ip"
        value={draft.target_ip}
        onInput={set('target_ip')}
        list={`targets-${node.id}`}
        placeholder="100.96.0.x"
      />
      <datalist id={`targets-${node.id}`}>
        {targets.map((other) => (
          <option key={other.id} value={other.tunnel_ip}>
            {other.name}
          </option>
        ))}
      </datalist>
    </>
  );
}
