import { createEnrollmentKeyRequest } from '@wirefleet/shared/schemas';
import { useState } from 'preact/hooks';
import type { CreatedEnrollmentKey } from '../api/resources.js';
import { useServices } from '../app/services.js';
import { FormActions, TextField } from '../forms/form-parts.js';
import { useDraft } from '../forms/use-draft.js';
import { useFormSubmit } from '../forms/use-form-submit.js';
import { numberOrText, validate } from '../forms/validation.js';
import { ErrorNotice } from '../ui/components.js';

interface Draft {
  maxUses: string;
  ttlHours: string;
  tags: string;
}

/** The form's inputs as the request: hours become seconds, tags are split on commas and spaces. */
function keyRequest(reusable: boolean, draft: Draft) {
  const hours = numberOrText(draft.ttlHours);
  return {
    reusable,
    ...(reusable && draft.maxUses.trim() ? { max_uses: numberOrText(draft.maxUses) } : {}),
    ttl_seconds: typeof hours === 'number' ? Math.round(hours * 3600) : hours,
    tags: draft.tags.split(/[\s,]+/).filter(Boolean),
  };
}

export function CreateKeyForm(props: {
  onCreated: (key: CreatedEnrollmentKey) => void;
  onCancel: () => void;
}) {
  const { http } = useServices();
  const [reusable, setReusable] = useState(false);
  const [draft, set] = useDraft<Draft>({ maxUses: '', ttlHours: '1', tags: '' });
  const { errors, failure, busy, onSubmit } = useFormSubmit(
    () => validate(createEnrollmentKeyRequest, keyRequest(reusable, draft)),
    async (body) => props.onCreated(await http.post<CreatedEnrollmentKey>('/v1/enrollment-keys', body)),
  );
  return (
    <form class="form-grid inset" onSubmit={onSubmit} noValidate aria-label="New enrollment key">
      {failure ? <ErrorNotice error={failure} /> : null}
      <label class="checkbox">
        <input type="checkbox" checked={reusable} onChange={(e) => setReusable(e.currentTarget.checked)} />{' '}
        Reusable (enrolls more than one node)
      </label>
      {reusable ? (
        <TextField
          label="Maximum uses (optional)"
          error={errors.max_uses}
          inputMode="numeric"
          value={draft.maxUses}
          onInput={set('maxUses')}
        />
      ) : null}
      <TextField
        label="Valid for (hours)"
        error={errors.ttl_seconds}
        inputMode="decimal"
        value={draft.ttlHours}
        onInput={set('ttlHours')}
      />
      <TextField
        label="Tags"
        hint="Nodes enrolled with this key get these tags; comma-separated."
        error={errors.tags}
        value={draft.tags}
        onInput={set('tags')}
      />
      <FormActions submit="Create key" busy={busy} onCancel={props.onCancel} />
    </form>
  );
}
