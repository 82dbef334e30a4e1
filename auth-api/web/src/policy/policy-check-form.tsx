import { type PolicyDocument, policyCheckRequest } from '@wirefleet/shared/schemas';
import { useState } from 'preact/hooks';
import { readAllPages } from '../api/http-client.js';
import type { Device, PolicyCheckAnswer } from '../api/resources.js';
import { useServices } from '../app/services.js';
import { TextField } from '../forms/form-parts.js';
import { useDraft } from '../forms/use-draft.js';
import { useFormSubmit } from '../forms/use-form-submit.js';
import { validate } from '../forms/validation.js';
import { Badge, Button, ErrorNotice } from '../ui/components.js';
import { useAsync, useStore } from '../ui/hooks.js';
import { connection } from './policy-document.js';

interface Probe {
  src: string;
  dst: string;
  port: string;
}

/** "Can A reach B on port P?" under the policy in force, and what decides it. */
export function PolicyCheckForm({ policy }: { policy: PolicyDocument | null }) {
  const { http } = useServices();
  const [draft, set] = useDraft<Probe>({ src: '', dst: '', port: '' });
  const [answer, setAnswer] = useState<{ probe: Probe; answer: PolicyCheckAnswer }>();
  const trimmed = { src: draft.src.trim(), dst: draft.dst.trim(), port: draft.port.trim() };
  const { errors, failure, busy, onSubmit } = useFormSubmit(
    () => validate(policyCheckRequest, trimmed),
    async (probe) => {
      setAnswer(undefined);
      setAnswer({ probe, answer: await http.post<PolicyCheckAnswer>('/v1/policy/check', probe) });
    },
  );
  const field = (key: keyof Probe, label: string, placeholder: string) => (
    <TextField
      label={label}
      error={errors[key]}
      name={`check-${key}`}
      value={draft[key]}
      onInput={set(key)}
      placeholder={placeholder}
      list={key === 'port' ? undefined : 'policy-members'}
    />
  );
  return (
    <section class="card" aria-labelledby="policy-check-title">
      <h2 id="policy-check-title">Can A reach B?</h2>
      <form class="form-inline" onSubmit={onSubmit} noValidate aria-label="Check a connection">
        {failure ? <ErrorNotice error={failure} /> : null}
        {field('src', 'From', 'node:1')}
        {field('dst', 'To', 'device:3')}
        {field('port', 'Port', 'tcp:22')}
        <MemberOptions />
        <Button type="submit" variant="primary" busy={busy}>
          Check
        </Button>
      </form>
      {answer ? <CheckAnswer {...answer} policy={policy} /> : null}
    </section>
  );
}

/** The fleet's nodes and devices as `node:<id>` and `device:<id>`, offered in From and To. */
function MemberOptions() {
  const { http, fleet } = useServices();
  const snapshot = useStore(fleet.snapshot);
  const [devices] = useAsync(() => readAllPages<Device>(http, '/v1/devices', { limit: 500 }), []);
  const members = [
    ...[...snapshot.nodes.values()].map((node) => ({ ref: `node:${node.id}`, name: node.name })),
    ...(devices.value ?? []).map((device) => ({ ref: `device:${device.id}`, name: device.name })),
  ];
  return (
    <datalist id="policy-members">
      {members.map((member) => (
        <option key={member.ref} value={member.ref}>
          {member.name}
        </option>
      ))}
    </datalist>
  );
}

/** Allowed or denied, and by what: the rule (with its words), a port forward, or no policy. */
function CheckAnswer({
  probe,
  answer,
  policy,
}: {
  probe: Probe;
  answer: PolicyCheckAnswer;
  policy: PolicyDocument | null;
}) {
  const rule = answer.rule_index === undefined ? undefined : policy?.rules[answer.rule_index];
  const why = {
    rule: `rules.${answer.rule_index} allows it${rule?.description ? ` (${rule.description})` : ''}`,
    port_forward: 'a port forward of the source node allows it',
    no_policy: probe.src === probe.dst ? 'a member always reaches itself' : 'no policy is set',
    no_rule: 'no rule allows it',
  }[answer.reason];
  return (
    <p role="status" data-testid="policy-check-answer" data-allow={String(answer.allow)}>
      <Badge tone={answer.allow ? 'ok' : 'bad'}>{answer.allow ? 'allowed' : 'denied'}</Badge>{' '}
      {connection(probe)}: {why}.
      {rule ? (
        <span class="mono rule-summary">
          {' '}
          {rule.src.join(', ')} → {rule.dst.join(', ')} on {rule.ports.join(', ')}
        </span>
      ) : null}
    </p>
  );
}
