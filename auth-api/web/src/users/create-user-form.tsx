import { createUserRequest, PASSWORD_MIN_LENGTH, USER_ROLES } from '@wirefleet/shared/schemas';
import { useState } from 'preact/hooks';
import { useServices } from '../app/services.js';
import { type FieldErrors, validate } from '../forms/validation.js';
import { Button, ErrorNotice, Field } from '../ui/components.js';

export function CreateUserForm({ onCreated, onCancel }: { onCreated: () => void; onCancel: () => void }) {
  const { http } = useServices();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<(typeof USER_ROLES)[number]>('viewer');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [failure, setFailure] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setFailure(undefined);
    const checked = validate(createUserRequest, { username: username.trim(), password, role });
    setErrors(checked.ok ? {} : checked.errors);
    if (!checked.ok) return;
    setBusy(true);
    try {
      await http.post('/v1/users', checked.value);
      onCreated();
    } catch (error) {
      setFailure(error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="form-grid inset" onSubmit={submit} noValidate aria-label="New user">
      {failure ? <ErrorNotice error={failure} /> : null}
      <Field label="Username" error={errors.username}>
        {(id) => <input id={id} name="new-username" autoComplete="off" value={username} onInput={(e) => setUsername(e.currentTarget.value)} />}
      </Field>
      <Field label="Password" hint={`At least ${PASSWORD_MIN_LENGTH} characters.`} error={errors.password}>
        {(id, describedBy) => <input id={id} name="new-password" type="password" autoComplete="new-password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} aria-describedby={describedBy} />}
      </Field>
      <Field label="Role">
        {(id) => (
          <select id={id} name="role" value={role} onChange={(e) => setRole(e.currentTarget.value as (typeof USER_ROLES)[number])}>
            {USER_ROLES.map((value) => <option key={value} value={value}>{value}</option>)}
          </select>
        )}
      </Field>
      <div class="form-actions">
        <Button type="submit" variant="primary" busy={busy}>Create user</Button>
        <Button onClick={onCancel}>Cancel</Button>
      </div>
    </form>
  );
}
