import { compileRules } from './policy-index.js';
import { grantAdmits, parseProbe } from './ports.js';
import { anySelectorMatches, parseMemberRef } from './selectors.js';
import type { CheckAnswer, PolicyInputs, PolicyMember } from './types.js';

function findMember(members: readonly PolicyMember[], ref: string): PolicyMember | undefined {
  const parsed = parseMemberRef(ref);
  if (!parsed) return undefined;
  return members.find((member) => member.kind === parsed.kind && member.id === parsed.id);
}

/**
 * May `src` open a connection to `dst` on `port`? Undefined when either member (or the port)
 * is unknown. Answers exactly what the compiled filters and peers enforce.
 *
 * A member reaching itself is always allowed, with `reason: 'no_policy'`: that traffic never
 * enters the tunnel, so no filter ever sees it and no rule could deny it. The compiled filters
 * agree (a member is never in its own `from`). `'no_rule'` would read as "denied for want of
 * a rule", and `'rule'` would name a rule that decides nothing.
 */
export function checkAccess(
  inputs: PolicyInputs,
  src: string,
  dst: string,
  port: string,
): CheckAnswer | undefined {
  const source = findMember(inputs.members, src);
  const target = findMember(inputs.members, dst);
  const probe = parseProbe(port);
  if (!source || !target || !probe) return undefined;
  if (!inputs.document || source === target) return { allow: true, reason: 'no_policy' };
  for (const rule of compileRules(inputs.document)) {
    if (
      anySelectorMatches(rule.src, source) &&
      anySelectorMatches(rule.dst, target) &&
      rule.grants.some((grant) => grantAdmits(grant, probe))
    )
      return { allow: true, rule_index: rule.index, reason: 'rule' };
  }
  const forwarded = inputs.forwards.some(
    (forward) =>
      source.kind === 'node' &&
      forward.nodeId === source.id &&
      forward.targetIp === target.address &&
      forward.protocol === probe.proto &&
      forward.targetPort === probe.port,
  );
  return forwarded ? { allow: true, reason: 'port_forward' } : { allow: false, reason: 'no_rule' };
}
