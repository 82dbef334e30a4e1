import { USER_ROLES } from '@wirefleet/shared/schemas';
import { useState } from 'preact/hooks';
import { readAllPages } from '../api/http-client.js';
import type { Role, User } from '../api/resources.js';
import { useServices } from '../app/services.js';
import { Badge, Button, ConfirmButton, Empty, ErrorNotice, Loading, PageHeader } from '../ui/components.js';
import { dateTime } from '../ui/format.js';
import { useAsync } from '../ui/hooks.js';
import { CreateUserForm } from './create-user-form.js';

/** Admin: users, their role, disabled or not. An admin cannot demote, disable or delete themself here. */
export function UsersView({ currentUserId }: { currentUserId: number }) {
  const { http } = useServices();
  const [users, reload] = useAsync(() => readAllPages<User>(http, '/v1/users', { limit: 200 }), []);
  const [creating, setCreating] = useState(false);
  const [failure, setFailure] = useState<unknown>();
  const change = async (user: User, patch: Partial<Pick<User, 'role' | 'disabled'>>) => {
    setFailure(undefined);
    try {
      await http.patch(`/v1/users/${user.id}`, patch);
      reload();
    } catch (error) {
      setFailure(error);
    }
  };
  const remove = async (user: User) => {
    await http.delete(`/v1/users/${user.id}`);
    reload();
  };
  return (
    <section>
      <PageHeader title="Users">
        {!creating ? <Button variant="primary" onClick={() => setCreating(true)}>New user</Button> : null}
      </PageHeader>
      {creating ? <CreateUserForm onCancel={() => setCreating(false)} onCreated={() => { setCreating(false); reload(); }} /> : null}
      {failure ? <ErrorNotice error={failure} /> : null}
      {users.status === 'error' ? <ErrorNotice error={users.error} title="The users could not be read." /> : null}
      {users.status === 'loading' && !users.value ? <Loading what="users" /> : null}
      {users.value?.length === 0 ? <Empty>No users.</Empty> : null}
      {users.value && users.value.length > 0 ? (
        <table class="table" data-testid="users-table">
          <thead>
            <tr><th scope="col">User</th><th scope="col">Role</th><th scope="col">State</th><th scope="col">TOTP</th><th scope="col">Last login</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr>
          </thead>
          <tbody>
            {users.value.map((user) => {
              const self = user.id === currentUserId;
              return (
                <tr key={user.id}>
                  <th scope="row">{user.username}{self ? ' (you)' : ''}</th>
                  <td>
                    <select aria-label={`Role of ${user.username}`} value={user.role} disabled={self} onChange={(e) => change(user, { role: e.currentTarget.value as Role })}>
                      {USER_ROLES.map((role) => <option key={role} value={role}>{role}</option>)}
                    </select>
                  </td>
                  <td>{user.disabled ? <Badge tone="bad">disabled</Badge> : <Badge tone="ok">active</Badge>}</td>
                  <td>{user.totp_enabled ? 'on' : 'off'}</td>
                  <td>{dateTime(user.last_login_at)}</td>
                  <td class="actions">
                    {self ? null : (
                      <>
                        <Button onClick={() => change(user, { disabled: !user.disabled })}>{user.disabled ? 'Enable' : 'Disable'}</Button>
                        <ConfirmButton label="Delete" question={`Delete user ${user.username}?`} confirmLabel="Delete user" onConfirm={() => remove(user)} />
                      </>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
