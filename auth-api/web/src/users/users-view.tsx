import { USER_ROLES } from '@wirefleet/shared/schemas';
import { useState } from 'preact/hooks';
import { readAllPages } from '../api/http-client.js';
import type { Role, User } from '../api/resources.js';
import { useServices } from '../app/services.js';
import { Badge, Button, ConfirmButton, ErrorNotice, PageHeader } from '../ui/components.js';
import { dateTime } from '../ui/format.js';
import { useAsync } from '../ui/hooks.js';
import { ListStatus } from '../ui/list-status.js';
import { CreateUserForm } from './create-user-form.js';

type UserChange = Partial<Pick<User, 'role' | 'disabled'>>;

interface UserActions {
  onChange: (user: User, patch: UserChange) => void;
  onDelete: (user: User) => Promise<void>;
}

/** Admin: users, their role, disabled or not. An admin cannot demote, disable or delete themself here. */
export function UsersView({ currentUserId }: { currentUserId: number }) {
  const { http } = useServices();
  const [users, reload] = useAsync(() => readAllPages<User>(http, '/v1/users', { limit: 200 }), []);
  const [creating, setCreating] = useState(false);
  const [failure, setFailure] = useState<unknown>();
  const onChange = async (user: User, patch: UserChange) => {
    setFailure(undefined);
    try {
      await http.patch(`/v1/users/${user.id}`, patch);
      reload();
    } catch (error) {
      setFailure(error);
    }
  };
  const onDelete = async (user: User) => {
    await http.delete(`/v1/users/${user.id}`);
    reload();
  };
  const onCreated = () => {
    setCreating(false);
    reload();
  };
  return (
    <section>
      <PageHeader title="Users">
        {!creating ? (
          <Button variant="primary" onClick={() => setCreating(true)}>
            New user
          </Button>
        ) : null}
      </PageHeader>
      {creating ? <CreateUserForm onCancel={() => setCreating(false)} onCreated={onCreated} /> : null}
      {failure ? <ErrorNotice error={failure} /> : null}
      <ListStatus list={users} what="users" errorTitle="The users could not be read." empty="No users." />
      {users.value && users.value.length > 0 ? (
        <UsersTable
          users={users.value}
          currentUserId={currentUserId}
          onChange={onChange}
          onDelete={onDelete}
        />
      ) : null}
    </section>
  );
}

function UsersTable({
  users,
  currentUserId,
  ...actions
}: { users: User[]; currentUserId: number } & UserActions) {
  return (
    <table class="table" data-testid="users-table">
      <thead>
        <tr>
          <th scope="col">User</th>
          <th scope="col">Role</th>
          <th scope="col">State</th>
          <th scope="col">TOTP</th>
          <th scope="col">Last login</th>
          <th scope="col">
            <span class="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {users.map((user) => (
          <UserRow key={user.id} user={user} self={user.id === currentUserId} {...actions} />
        ))}
      </tbody>
    </table>
  );
}

/** One user; the signed-in admin's own row offers no change. */
function UserRow({ user, self, onChange, onDelete }: { user: User; self: boolean } & UserActions) {
  return (
    <tr>
      <th scope="row">
        {user.username}
        {self ? ' (you)' : ''}
      </th>
      <td>
        <select
          aria-label={`Role of ${user.username}`}
          value={user.role}
          disabled={self}
          onChange={(e) => onChange(user, { role: e.currentTarget.value as Role })}
        >
          {USER_ROLES.map((role) => (
            <option key={role} value={role}>
              {role}
            </option>
          ))}
        </select>
      </td>
      <td>{user.disabled ? <Badge tone="bad">disabled</Badge> : <Badge tone="ok">active</Badge>}</td>
      <td>{user.totp_enabled ? 'on' : 'off'}</td>
      <td>{dateTime(user.last_login_at)}</td>
      <td class="actions">
        {self ? null : (
          <>
            <Button onClick={() => onChange(user, { disabled: !user.disabled })}>
              {user.disabled ? 'Enable' : 'Disable'}
            </Button>
            <ConfirmButton
              label="Delete"
              question={`Delete user ${user.username}?`}
              confirmLabel="Delete user"
              onConfirm={() => onDelete(user)}
            />
          </>
        )}
      </td>
    </tr>
  );
}
