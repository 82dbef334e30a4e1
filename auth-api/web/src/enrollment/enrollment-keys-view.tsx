import { useState } from 'preact/hooks';
import { readAllPages } from '../api/http-client.js';
import type { CreatedEnrollmentKey, EnrollmentKey, EnrollmentKeyState } from '../api/resources.js';
import { useServices } from '../app/services.js';
import { Badge, Button, ConfirmButton, CopyButton, Dialog, PageHeader } from '../ui/components.js';
import { dateTime } from '../ui/format.js';
import { useAsync } from '../ui/hooks.js';
import { ListStatus } from '../ui/list-status.js';
import { CreateKeyForm } from './create-key-form.js';
import { enrollCommand } from './enroll-command.js';

const STATE_TONE: Record<EnrollmentKeyState, 'ok' | 'muted' | 'bad' | 'warn'> = {
  created: 'ok',
  used: 'muted',
  expired: 'warn',
  revoked: 'bad',
};

/** Admin: enrollment keys by state; a new key is shown once with the agent's enroll line. */
export function EnrollmentKeysView() {
  const { http } = useServices();
  const [keys, reload] = useAsync(
    () => readAllPages<EnrollmentKey>(http, '/v1/enrollment-keys', { limit: 200 }),
    [],
  );
  const [state, setState] = useState<EnrollmentKeyState | ''>('created');
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<CreatedEnrollmentKey>();
  const visible = (keys.value ?? []).filter((key) => !state || key.state === state);
  const revoke = async (key: EnrollmentKey) => {
    await http.delete(`/v1/enrollment-keys/${key.id}`);
    reload();
  };
  const onCreated = (key: CreatedEnrollmentKey) => {
    setCreating(false);
    setCreated(key);
    reload();
  };
  return (
    <section>
      <PageHeader title="Enrollment keys">
        {!creating ? (
          <Button variant="primary" onClick={() => setCreating(true)}>
            New enrollment key
          </Button>
        ) : null}
      </PageHeader>
      {creating ? <CreateKeyForm onCancel={() => setCreating(false)} onCreated={onCreated} /> : null}
      {created ? <NewKeyDialog created={created} onClose={() => setCreated(undefined)} /> : null}
      <StateFilter value={state} onChange={setState} />
      <ListStatus
        list={keys}
        what="enrollment keys"
        errorTitle="The keys could not be read."
        shown={visible.length}
        empty="No keys in this state."
      />
      {visible.length > 0 ? <KeysTable keys={visible} onRevoke={revoke} /> : null}
    </section>
  );
}

function StateFilter({
  value,
  onChange,
}: {
  value: EnrollmentKeyState | '';
  onChange: (value: EnrollmentKeyState | '') => void;
}) {
  return (
    <label class="filter">
      <span>State</span>
      <select value={value} onChange={(e) => onChange(e.currentTarget.value as EnrollmentKeyState | '')}>
        <option value="created">Usable</option>
        <option value="used">Used up</option>
        <option value="expired">Expired</option>
        <option value="revoked">Revoked</option>
        <option value="">Any state</option>
      </select>
    </label>
  );
}

function KeysTable({
  keys,
  onRevoke,
}: {
  keys: EnrollmentKey[];
  onRevoke: (key: EnrollmentKey) => Promise<void>;
}) {
  return (
    <table class="table" data-testid="keys-table">
      <thead>
        <tr>
          <th scope="col">Key</th>
          <th scope="col">State</th>
          <th scope="col">Uses</th>
          <th scope="col">Tags</th>
          <th scope="col">Expires</th>
          <th scope="col">Created by</th>
          <th scope="col">
            <span class="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {keys.map((key) => (
          <KeyRow key={key.id} enrollmentKey={key} onRevoke={onRevoke} />
        ))}
      </tbody>
    </table>
  );
}

function KeyRow({
  enrollmentKey: key,
  onRevoke,
}: {
  enrollmentKey: EnrollmentKey;
  onRevoke: (key: EnrollmentKey) => Promise<void>;
}) {
  const uses = key.max_uses ? ` / ${key.max_uses}` : key.reusable ? ' (reusable)' : ' / 1';
  return (
    <tr>
      <th scope="row" class="mono">
        {key.prefix}…
      </th>
      <td>
        <Badge tone={STATE_TONE[key.state]}>{key.state}</Badge>
      </td>
      <td>
        {key.uses}
        {uses}
      </td>
      <td>{key.tags.join(', ') || '—'}</td>
      <td>{dateTime(key.expires_at)}</td>
      <td>{key.created_by ?? '—'}</td>
      <td class="actions">
        {key.state === 'created' ? (
          <ConfirmButton
            label="Revoke"
            question={`Revoke key ${key.prefix}…?`}
            confirmLabel="Revoke key"
            onConfirm={() => onRevoke(key)}
          />
        ) : null}
      </td>
    </tr>
  );
}

function NewKeyDialog({ created, onClose }: { created: CreatedEnrollmentKey; onClose: () => void }) {
  const command = enrollCommand(location.origin, created.key);
  return (
    <Dialog title="New enrollment key" onClose={onClose}>
      <p class="notice notice-warn">The key is shown only now. Copy it before closing this.</p>
      <p class="label">Key</p>
      <pre class="config" data-testid="enrollment-key">
        {created.key}
      </pre>
      <p class="label">On the new host, run:</p>
      <pre class="config" data-testid="enroll-command">
        {command}
      </pre>
      <div class="dialog-actions">
        <CopyButton text={created.key} label="Copy key" />
        <CopyButton text={command} label="Copy command" />
        <Button variant="primary" onClick={onClose}>
          Done
        </Button>
      </div>
    </Dialog>
  );
}
