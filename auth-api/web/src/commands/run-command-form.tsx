import { type CommandType, type CreateCommandRequest, createCommandRequest } from '@wirefleet/shared/schemas';
import { useState } from 'preact/hooks';
import type { Command, FleetNode } from '../api/resources.js';
import { useServices } from '../app/services.js';
import { useFormSubmit } from '../forms/use-form-submit.js';
import { type Checked, numberOrText, validate } from '../forms/validation.js';
import { Button, ErrorNotice, Field } from '../ui/components.js';
import { useStore } from '../ui/hooks.js';

/** The command as the API takes it; ping needs a tunnel address (and a count). */
function commandRequest(type: CommandType, target: string, count: string): Checked<CreateCommandRequest> {
  const body =
    type === 'ping'
      ? { type, args: { target_ip: target.trim(), count: numberOrText(count) } }
      : { type, args: {} };
  const checked = validate(createCommandRequest, body);
  return checked.ok ? checked : { ok: false, errors: { target: 'Enter a tunnel IP address to ping.' } };
}

/** Runs ping (to a tunnel address), wg_show or reconcile on the node; the API answers 202. */
export function RunCommandForm({
  node,
  onStarted,
}: {
  node: FleetNode;
  onStarted: (command: Command) => void;
}) {
  const { http } = useServices();
  const [type, setType] = useState<CommandType>('ping');
  const [target, setTarget] = useState('');
  const [count, setCount] = useState('3');
  const { errors, failure, busy, onSubmit } = useFormSubmit(
    () => commandRequest(type, target, count),
    async (body) => {
      const path = `/v1/nodes/${node.id}/commands`;
      const accepted = await http.post<{ id: string; status: Command['status'] }>(path, body);
      const now = new Date().toISOString();
      const command = { id: accepted.id, node_id: node.id, type, args: body.args, status: accepted.status };
      const times = { created_at: now, sent_at: null, completed_at: null, expires_at: now };
      onStarted({ ...command, result: null, error: null, ...times });
    },
  );
  return (
    <form class="form-inline" onSubmit={onSubmit} noValidate aria-label="Run a command">
      {failure ? <ErrorNotice error={failure} /> : null}
      <Field label="Command">
        {(id) => (
          <select
            id={id}
            name="command"
            value={type}
            onChange={(e) => setType(e.currentTarget.value as CommandType)}
          >
            <option value="ping">ping</option>
            <option value="wg_show">wg_show</option>
            <option value="reconcile">reconcile</option>
          </select>
        )}
      </Field>
      {type === 'ping' ? (
        <PingFields
          node={node}
          target={[target, setTarget]}
          count={[count, setCount]}
          error={errors.target}
        />
      ) : null}
      <Button type="submit" variant="primary" busy={busy}>
        Run
      </Button>
    </form>
  );
}

type Text = [string, (value: string) => void];

/** Ping's target (the fleet's other nodes offered) and count. */
function PingFields(props: { node: FleetNode; target: Text; count: Text; error: string | undefined }) {
  const { node, error } = props;
  const [target, setTarget] = props.target;
  const [count, setCount] = props.count;
  const { fleet } = useServices();
  const snapshot = useStore(fleet.snapshot);
  const peers = [...snapshot.nodes.values()].filter((other) => other.id !== node.id);
  return (
    <>
      <Field label="Ping target (tunnel IP)" error={error}>
        {(id, describedBy) => (
          <input
            id={id}
            name="target"
            list={`ping-targets-${node.id}`}
            value={target}
            onInput={(e) => setTarget(e.currentTarget.value)}
            aria-describedby={describedBy}
            placeholder="100.96.0.x"
          />
        )}
      </Field>
      <datalist id={`ping-targets-${node.id}`}>
        {peers.map((peer) => (
          <option key={peer.id} value={peer.tunnel_ip}>
            {peer.name}
          </option>
        ))}
      </datalist>
      <Field label="Count">
        {(id) => (
          <input
            id={id}
            name="count"
            inputMode="numeric"
            class="narrow"
            value={count}
            onInput={(e) => setCount(e.currentTarget.value)}
          />
        )}
      </Field>
    </>
  );
}
