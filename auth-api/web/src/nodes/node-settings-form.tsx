import { patchNodeRequest } from '@wirefleet/shared/schemas';
import { useState } from 'preact/hooks';
import type { FleetNode } from '../api/resources.js';
import { useServices } from '../app/services.js';
import { TextField } from '../forms/form-parts.js';
import { useDraft } from '../forms/use-draft.js';
import { useFormSubmit } from '../forms/use-form-submit.js';
import { numberOrText, validate } from '../forms/validation.js';
import { Button, ErrorNotice } from '../ui/components.js';

interface Draft {
  name: string;
  region: string;
  endpoint: string;
  listen_port: string;
  routes: string;
  tags: string;
}

/** A comma- or space-separated list as its items. */
const listOf = (text: string) => text.split(/[\s,]+/).filter(Boolean);

const draftOf = (node: FleetNode): Draft => ({
  name: node.name,
  region: node.region ?? '',
  endpoint: node.endpoint ?? '',
  listen_port: String(node.listen_port),
  routes: node.routes.join(', '),
  tags: node.tags.join(', '),
});

/** Only the fields that differ from the node go into the PATCH; empty region/endpoint clear them. */
export function changesOf(node: FleetNode, draft: Draft): Record<string, unknown> {
  const changes: Record<string, unknown> = {};
  const before = draftOf(node);
  if (draft.name.trim() !== before.name) changes.name = draft.name.trim();
  if (draft.region.trim() !== before.region) changes.region = draft.region.trim() || null;
  if (draft.endpoint.trim() !== before.endpoint) changes.endpoint = draft.endpoint.trim() || null;
  if (draft.listen_port.trim() !== before.listen_port) changes.listen_port = numberOrText(draft.listen_port);
  const routes = listOf(draft.routes);
  if (routes.join(', ') !== before.routes) changes.routes = routes;
  // The API keeps tags sorted and unique: typing them in another order changes nothing.
  const tags = [...new Set(listOf(draft.tags))].sort();
  if (tags.join(', ') !== [...new Set(node.tags)].sort().join(', ')) changes.tags = tags;
  return changes;
}

export function NodeSettingsForm({ node, onSaved }: { node: FleetNode; onSaved: () => void }) {
  const { http } = useServices();
  const [draft, set] = useDraft<Draft>(() => draftOf(node));
  const [saved, setSaved] = useState(false);
  const { errors, failure, busy, onSubmit } = useFormSubmit(
    () => {
      setSaved(false);
      return validate(patchNodeRequest, changesOf(node, draft));
    },
    async (changes) => {
      await http.patch(`/v1/nodes/${node.id}`, changes);
      setSaved(true);
      onSaved();
    },
  );
  const input = (key: keyof Draft, label: string, hint?: string) => (
    <TextField
      label={label}
      hint={hint}
      error={errors[key]}
      name={key}
      value={draft[key]}
      onInput={set(key)}
    />
  );
  return (
    <section class="card" aria-labelledby="settings-title">
      <h2 id="settings-title">Settings</h2>
      <form class="form-grid" onSubmit={onSubmit} noValidate>
        {failure ? <ErrorNotice error={failure} /> : null}
        {errors.form ? (
          <p class="field-error">{errors.form === 'nothing to change' ? 'Nothing changed.' : errors.form}</p>
        ) : null}
        {input('name', 'Name')}
        {input('region', 'Region', 'Empty to clear.')}
        {input('endpoint', 'Endpoint', 'host:port other nodes reach this one at; empty to clear.')}
        {input('listen_port', 'Listen port')}
        {input('routes', 'Routes', 'CIDRs this node routes into the tunnel, comma-separated.')}
        {input('tags', 'Tags', 'Names the access policy matches (tag:<name>), comma-separated.')}
        <div class="form-actions">
          <Button type="submit" variant="primary" busy={busy}>
            Save settings
          </Button>
          {saved ? <span role="status">Saved. The node applies it with its next configuration.</span> : null}
        </div>
      </form>
    </section>
  );
}
