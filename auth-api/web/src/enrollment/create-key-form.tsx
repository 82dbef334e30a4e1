import { createEnrollmentKeyRequest } from '@wirefleet/shared/schemas';
import { useState } from 'preact/hooks';
import type { CreatedEnrollmentKey } from '../api/resources.js';
import { useServices } from '../app/services.js';
import { type FieldErrors, numberOrText, validate } from '../forms/validation.js';
import { Button, ErrorNotice, Field } from '../ui/components.js';

export function CreateKeyForm({ onCreated, onCancel }: { onCreated: (key: CreatedEnrollmentKey) => void; onCancel: () => void }) {
  const { http } = useServices();
  const [reusable, setReusable] = useState(false);
  const [maxUses, setMaxUses] = useState('');
  const [ttlHours, setTtlHours] = useState('1');
  const [tags, setTags] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [failure, setFailure] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setFailure(undefined);
    const hours = numberOrText(ttlHours);
    const body = {
      reusable,
      ...(reusable && maxUses.trim() ? { max_uses: numberOrText(maxUses) } : {}),
      ttl_seconds: typeof hours === 'number' ? Math.round(hours * 3600) : hours,
      tags: tags.split(/[\s,]+/).filter(Boolean),
    };
    const checked = validate(createEnrollmentKeyRequest, body);
    setErrors(checked.ok ? {} : checked.errors);
    if (!checked.ok) return;
    setBusy(true);
    try {
      onCreated(await http.post<CreatedEnrollmentKey>('/v1/enrollment-keys', checked.value));
    } catch (error) {
      setFailure(error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="form-grid inset" onSubmit={submit} noValidate aria-label="New enrollment key">
      {failure ? <ErrorNotice error={failure} /> : null}
      <label class="checkbox"><input type="checkbox" checked={reusable} onChange={(e) => setReusable(e.currentTarget.checked)} /> Reusable (enrolls more than one node)</label>
      {reusable ? (
        <Field label="Maximum uses (optional)" error={errors.max_uses}>
          {(id) => <input id={id} inputMode="numeric" value={maxUses} onInput={(e) => setMaxUses(e.currentTarget.value)} />}
        </Field>
      ) : null}
      <Field label="Valid for (hours)" error={errors.ttl_seconds}>
        {(id) => <input id={id} inputMode="decimal" value={ttlHours} onInput={(e) => setTtlHours(e.currentTarget.value)} />}
      </Field>
      <Field label="Tags" hint="Nodes enrolled with this key get these tags; comma-separated." error={errors.tags}>
        {(id, describedBy) => <input id={id} value={tags} onInput={(e) => setTags(e.currentTarget.value)} aria-describedby={describedBy} />}
      </Field>
      <div class="form-actions">
        <Button type="submit" variant="primary" busy={busy}>Create key</Button>
        <Button onClick={onCancel}>Cancel</Button>
      </div>
    </form>
  );
}
