import { type CommandType, createCommandRequest } from '@wirefleet/shared/schemas';
import { useState } from 'preact/hooks';
import type { Command, FleetNode } from '../api/resources.js';
import { useServices } from '../app/services.js';
import { type FieldErrors, numberOrText, validate } from '../forms/validation.js';
import { Button, ErrorNotice, Field } from '../ui/components.js';
import { useStore } from '../ui/hooks.js';

/** Runs ping (to a tunnel address), wg_show or reconcile on the node; the API answers 202. */
export function RunCommandForm({ node, onStarted }: { node: FleetNode; onStarted: (command: Command) => void }) {
  const { http, fleet } = useServices();
  const snapshot = useStore(fleet.snapshot);
  const [type, setType] = useState<CommandType>('ping');
  const [target, setTarget] = useState('');
  const [count, setCount] = useState('3');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [failure, setFailure] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    setFailure(undefined);
    const body = type === 'ping' ? { type, args: { target_ip: target.trim(), count: numberOrText(count) } } : { type, args: {} };
    const checked = validate(createCommandRequest, body);
    setErrors(checked.ok ? {} : { target: 'Enter a tunnel IP address to ping.' });
    if (!checked.ok) return;
    setBusy(true);
    try {
      const accepted = await http.post<{ id: string; status: Command['status'] }>(`/v1/nodes/${node.id}/commands`, checked.value);
      const now = new Date().toISOString();
      onStarted({ id: accepted.id, node_id: node.id, type, args: checked.value.args, status: accepted.status, result: null, error: null, created_at: now, sent_at: null, completed_at: null, expires_at: now });
    } catch (error) {
      setFailure(error);
    } finally {
      setBusy(false);
    }
  };
  const peers = [...snapshot.nodes.values()].filter((other) => other.id !== node.id);
  return (
    <form class="form-inline" onSubmit={submit} noValidate aria-label="Run a command">
      {failure ? <ErrorNotice error={failure} /> : null}
      <Field label="Command">
        {(id) => (
          <select id={id} name="command" value={type} onChange={(e) => setType(e.currentTarget.value as CommandType)}>
            <option value="ping">ping</option>
            <option value="wg_show">wg_show</option>
            <option value="reconcile">reconcile</option>
          </select>
        )}
      </Field>
      {type === 'ping' ? (
        <>
          <Field label="Ping target (tunnel IP)" error={errors.target}>
            {(id, describedBy) => <input id={id} name="target" list={`ping-targets-${node.id}`} value={target} onInput={(e) => setTarget(e.currentTarget.value)} aria-describedby={describedBy} placeholder="100.96.0.x" />}
          </Field>
          <datalist id={`ping-targets-${node.id}`}>
            {peers.map((peer) => <option key={peer.id} value={peer.tunnel_ip}>{peer.name}</option>)}
          </datalist>
          <Field label="Count">
            {(id) => <input id={id} name="count" inputMode="numeric" class="narrow" value={count} onInput={(e) => setCount(e.currentTarget.value)} />}
          </Field>
        </>
      ) : null}
      <Button type="submit" variant="primary" busy={busy}>Run</Button>
    </form>
  );
}
