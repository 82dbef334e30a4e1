import { useState } from 'preact/hooks';
import type { FleetNode, PortForward } from '../api/resources.js';
import { useServices } from '../app/services.js';
import { Badge, Button, ConfirmButton, ErrorNotice } from '../ui/components.js';
import { useAsync } from '../ui/hooks.js';
import { ListStatus } from '../ui/list-status.js';
import { CreateForwardForm } from './create-forward-form.js';
import { type ApplyFailure, forwardSyncState } from './forward-sync-state.js';

interface Props {
  node: FleetNode;
  canWrite: boolean;
  failure: ApplyFailure | undefined;
  onChanged: () => void;
}

/**
 * The node's port forwards. After each change the node's desired revision is read again and
 * remembered per forward, and the forward shows "pending" until the node's applied revision
 * (live from its status) reaches it: then "applied", or the node's apply error.
 */
export function PortForwardsPanel({ node, canWrite, failure, onChanged }: Props) {
  const { http } = useServices();
  const [forwards, reload] = useAsync(
    () => http.get<{ items: PortForward[] }>(`/v1/nodes/${node.id}/port-forwards`).then((r) => r.items),
    [node.id],
  );
  const changes = useForwardChanges(node, () => {
    reload();
    onChanged();
  });
  const [creating, setCreating] = useState(false);
  const create = async (action: () => Promise<PortForward[]>) => {
    await changes.change('new', action);
    setCreating(false);
  };
  const items = forwards.value ?? [];
  return (
    <section class="card" aria-labelledby="forwards-title">
      <div class="card-header">
        <h2 id="forwards-title">Port forwards</h2>
        {canWrite && !creating ? (
          <Button variant="primary" onClick={() => setCreating(true)}>
            New port forward
          </Button>
        ) : null}
      </div>
      {creating ? (
        <CreateForwardForm node={node} onCancel={() => setCreating(false)} onCreate={create} />
      ) : null}
      {changes.error ? <ErrorNotice error={changes.error} /> : null}
      <ListStatus list={forwards} what="port forwards" empty="No port forwards on this node." />
      {items.length > 0 ? (
        <ForwardsTable items={items} node={node} canWrite={canWrite} failure={failure} changes={changes} />
      ) : null}
    </section>
  );
}

type ForwardChanges = ReturnType<typeof useForwardChanges>;

/**
 * The panel's writes. Each runs its request, then notes the revision the node must reach for
 * the forwards it touched; `afterChange` reads the list again. A failure is kept in `error`.
 */
function useForwardChanges(node: FleetNode, afterChange: () => void) {
  const { http, fleet } = useServices();
  const [changedAt, setChangedAt] = useState<Record<number, number>>({});
  const [error, setError] = useState<unknown>();
  const change = async (ids: number[] | 'new', action: () => Promise<PortForward[]>) => {
    setError(undefined);
    try {
      const touched = await action();
      const fresh = await fleet.reloadNode(node.id);
      const revision = fresh?.desired_revision ?? node.desired_revision;
      const keys = ids === 'new' ? touched.map((forward) => forward.id) : ids;
      setChangedAt((current) => ({ ...current, ...Object.fromEntries(keys.map((id) => [id, revision])) }));
      afterChange();
    } catch (failure) {
      setError(failure);
      throw failure;
    }
  };
  const toggle = (forward: PortForward) =>
    change([forward.id], async () => [
      await http.patch<PortForward>(`/v1/port-forwards/${forward.id}`, { enabled: !forward.enabled }),
    ]).catch(() => undefined);
  const remove = (forward: PortForward) =>
    change([forward.id], async () => {
      await http.delete(`/v1/port-forwards/${forward.id}`);
      return [];
    });
  return { changedAt, error, change, toggle, remove };
}

interface TableProps {
  items: PortForward[];
  node: FleetNode;
  canWrite: boolean;
  failure: ApplyFailure | undefined;
  changes: ForwardChanges;
}

function ForwardsTable({ items, node, canWrite, failure, changes }: TableProps) {
  return (
    <table class="table" data-testid="forwards-table">
      <thead>
        <tr>
          <th scope="col">Public port</th>
          <th scope="col">Target</th>
          <th scope="col">Description</th>
          <th scope="col">Enabled</th>
          <th scope="col">On the node</th>
          {canWrite ? (
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          ) : null}
        </tr>
      </thead>
      <tbody>
        {items.map((forward) => (
          <tr key={forward.id} data-forward-id={forward.id}>
            <th scope="row" class="mono">
              {forward.public_port}/{forward.protocol}
            </th>
            <td class="mono">
              {forward.target_ip}:{forward.target_port}
            </td>
            <td>{forward.description ?? ''}</td>
            <td>{forward.enabled ? 'yes' : 'no'}</td>
            <td>
              <SyncBadge node={node} changedAt={changes.changedAt[forward.id]} failure={failure} />
            </td>
            {canWrite ? <ForwardActions forward={forward} changes={changes} /> : null}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function ForwardActions({ forward, changes }: { forward: PortForward; changes: ForwardChanges }) {
  return (
    <td class="actions">
      <Button onClick={() => changes.toggle(forward)}>{forward.enabled ? 'Disable' : 'Enable'}</Button>
      <ConfirmButton
        label="Delete"
        question={`Delete the forward of ${forward.public_port}/${forward.protocol}?`}
        confirmLabel="Delete forward"
        onConfirm={() => changes.remove(forward)}
      />
    </td>
  );
}

function SyncBadge({
  node,
  changedAt,
  failure,
}: {
  node: FleetNode;
  changedAt: number | undefined;
  failure: ApplyFailure | undefined;
}) {
  const state = forwardSyncState(node, changedAt, failure);
  if (state.kind === 'applied') {
    return (
      <Badge tone="ok" title={`The node runs revision ${node.applied_revision}`}>
        applied
      </Badge>
    );
  }
  if (state.kind === 'error') {
    return (
      <Badge tone="bad" title={state.error}>
        error: {state.error}
      </Badge>
    );
  }
  return (
    <Badge tone="info" title={`Waiting for the node to apply revision ${state.waitingFor}`}>
      pending (rev {state.waitingFor})
    </Badge>
  );
}
