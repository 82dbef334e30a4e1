import { useState } from 'preact/hooks';
import type { FleetNode, PortForward } from '../api/resources.js';
import { useServices } from '../app/services.js';
import { Badge, Button, ConfirmButton, Empty, ErrorNotice, Loading, ReadError } from '../ui/components.js';
import { useAsync } from '../ui/hooks.js';
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
  const { http, fleet } = useServices();
  const [forwards, reload] = useAsync(() => http.get<{ items: PortForward[] }>(`/v1/nodes/${node.id}/port-forwards`).then((r) => r.items), [node.id]);
  const [changedAt, setChangedAt] = useState<Record<number, number>>({});
  const [creating, setCreating] = useState(false);
  const [actionError, setActionError] = useState<unknown>();

  /** Runs a change, then notes the revision the node must reach for the touched forwards. */
  const change = async (ids: number[] | 'new', action: () => Promise<PortForward[]>) => {
    setActionError(undefined);
    try {
      const touched = await action();
      const fresh = await fleet.reloadNode(node.id);
      const revision = fresh?.desired_revision ?? node.desired_revision;
      const keys = ids === 'new' ? touched.map((forward) => forward.id) : ids;
      setChangedAt((current) => ({ ...current, ...Object.fromEntries(keys.map((id) => [id, revision])) }));
      reload();
      onChanged();
    } catch (error) {
      setActionError(error);
      throw error;
    }
  };
  const toggle = (forward: PortForward) =>
    change([forward.id], async () => [await http.patch<PortForward>(`/v1/port-forwards/${forward.id}`, { enabled: !forward.enabled })]).catch(() => undefined);
  const remove = (forward: PortForward) =>
    change([forward.id], async () => {
      await http.delete(`/v1/port-forwards/${forward.id}`);
      return [];
    });

  const items = forwards.value ?? [];
  return (
    <section class="card" aria-labelledby="forwards-title">
      <div class="card-header">
        <h2 id="forwards-title">Port forwards</h2>
        {canWrite && !creating ? <Button variant="primary" onClick={() => setCreating(true)}>New port forward</Button> : null}
      </div>
      {creating ? (
        <CreateForwardForm node={node} onCancel={() => setCreating(false)} onCreate={async (create) => { await change('new', create); setCreating(false); }} />
      ) : null}
      {actionError ? <ErrorNotice error={actionError} /> : null}
      {forwards.status === 'error' ? <ReadError error={forwards.error} what="port forwards" /> : null}
      {forwards.status === 'loading' && !forwards.value ? <Loading what="port forwards" /> : null}
      {forwards.value && items.length === 0 ? <Empty>No port forwards on this node.</Empty> : null}
      {items.length > 0 ? (
        <table class="table" data-testid="forwards-table">
          <thead>
            <tr>
              <th scope="col">Public port</th>
              <th scope="col">Target</th>
              <th scope="col">Description</th>
              <th scope="col">Enabled</th>
              <th scope="col">On the node</th>
              {canWrite ? <th scope="col"><span class="visually-hidden">Actions</span></th> : null}
            </tr>
          </thead>
          <tbody>
            {items.map((forward) => (
              <tr key={forward.id} data-forward-id={forward.id}>
                <th scope="row" class="mono">{forward.public_port}/{forward.protocol}</th>
                <td class="mono">{forward.target_ip}:{forward.target_port}</td>
                <td>{forward.description ?? ''}</td>
                <td>{forward.enabled ? 'yes' : 'no'}</td>
                <td><SyncBadge node={node} changedAt={changedAt[forward.id]} failure={failure} /></td>
                {canWrite ? (
                  <td class="actions">
                    <Button onClick={() => toggle(forward)}>{forward.enabled ? 'Disable' : 'Enable'}</Button>
                    <ConfirmButton label="Delete" question={`Delete the forward of ${forward.public_port}/${forward.protocol}?`} confirmLabel="Delete forward" onConfirm={() => remove(forward)} />
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}

function SyncBadge({ node, changedAt, failure }: { node: FleetNode; changedAt: number | undefined; failure: ApplyFailure | undefined }) {
  const state = forwardSyncState(node, changedAt, failure);
  if (state.kind === 'applied') return <Badge tone="ok" title={`The node runs revision ${node.applied_revision}`}>applied</Badge>;
  if (state.kind === 'error') return <Badge tone="bad" title={state.error}>error: {state.error}</Badge>;
  return <Badge tone="info" title={`Waiting for the node to apply revision ${state.waitingFor}`}>pending (rev {state.waitingFor})</Badge>;
}
