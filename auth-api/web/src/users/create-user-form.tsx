import { createUserRequest, PASSWORD_MIN_LENGTH, USER_ROLES } from '@wirefleet/shared/schemas';
import { useState } from 'preact/hooks';
import { useServices } from '../app/services.js';
import { FormActions, TextField } from '../forms/form-parts.js';
import { useFormSubmit } from '../forms/use-form-submit.js';
import { validate } from '../forms/validation.js';
import { ErrorNotice, Field } from '../ui/components.js';

type Role = (typeof USER_ROLES)[number];

export function CreateUserForm({ onCreated, onCancel }: { onCreated: () => void; onCancel: () => void }) {
  const { http } = useServices();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const { errors, failure, busy, onSubmit } = useFormSubmit(
    () => validate(createUserRequest, { username: username.trim(), password, role }),
    async (body) => {
      await http.post('/v1/users', body);
      onCreated();
    },
  );
  return (
    <form class="form-grid inset" onSubmit={onSubmit} noValidate aria-label="New user">
      {failure ? <ErrorNotice error={failure} /> : null}
      <TextField
        label="Username"
        error={errors.username}
        name="new-username"
        autoComplete="off"
        value={username}
        onInput={(e) => setUsername(e.currentTarget.value)}
      />
      <TextField
        label="Password"
        hint={`At least ${PASSWORD_MIN_LENGTH} characters.`}
        error={errors.password}
        name="new-password"
        type="password"
        autoComplete="new-password"
        value={password}
        onInput={(e) => setPassword(e.currentTarget.value)}
      />
      <Field label="Role">
        {(id) => (
          <select id={id} name="role" value={role} onChange={(e) => setRole(e.currentTarget.value as Role)}>
            {USER_ROLES.map((value) => (
              <option key={value} value={value}>
                {value}
              </option>
            ))}
          </select>
        )}
      </Field>
      <FormActions submit="Create user" busy={busy} onCancel={onCancel} />
    </form>
  );
}
