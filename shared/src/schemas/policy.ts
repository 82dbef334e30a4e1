import { z } from 'zod';

/**
 * The access-policy document (CONTRACT §8) and its parts, as the API, the dashboard and the
 * compiler read them. Everything here is syntax: whether `node:7` exists, or a tag is in use,
 * is the compiler's question (auth-api/src/fleet/policy), answered with the same `{path,
 * message}` shape.
 */

/** The selectors' tag syntax, the same as a node's or device's tag (schemas/net.ts `tag`). */
const TAG = '[a-z0-9][a-z0-9-]{0,62}';
const ID = '[1-9][0-9]{0,15}';

/** `*`, `tag:<name>`, `node:<id>` or `device:<id>`. */
export const policySelector = z
  .string()
  .max(80)
  .regex(
    new RegExp(`^(\\*|tag:${TAG}|node:${ID}|device:${ID})$`),
    'a selector: *, tag:<name>, node:<id> or device:<id>',
  );
export type PolicySelector = z.infer<typeof policySelector>;

/** One member, as a test or a check names it: `node:<id>` or `device:<id>`. */
export const policyMemberRef = z
  .string()
  .max(40)
  .regex(new RegExp(`^(node|device):${ID}$`), 'a member: node:<id> or device:<id>');
export type PolicyMemberRef = z.infer<typeof policyMemberRef>;

/** Port numbers are checked here, so `tcp:0`, `tcp:70000` and `tcp:90-80` are refused with the rule's path. */
function portsInRange(text: string): boolean {
  const match = /^(?:tcp|udp):(\d{1,5})(?:-(\d{1,5}))?$/.exec(text);
  if (!match) return true;
  const low = Number(match[1]);
  const high = match[2] === undefined ? low : Number(match[2]);
  return low >= 1 && high <= 65535 && low <= high;
}

/** `tcp:N`, `tcp:N-M`, `udp:N`, `udp:N-M`, `icmp` or `*`. */
export const policyPortSpec = z
  .string()
  .max(20)
  .regex(/^(\*|icmp|(tcp|udp):\d{1,5}(-\d{1,5})?)$/, 'a port: tcp:N, tcp:N-M, udp:N, udp:N-M, icmp or *')
  .refine(portsInRange, 'ports are 1-65535, and a range runs from low to high');
export type PolicyPortSpec = z.infer<typeof policyPortSpec>;

/** One probe, as a test or a check asks it: `tcp:N`, `udp:N` or `icmp`. */
export const policyProbePort = z
  .string()
  .max(12)
  .regex(/^(icmp|(tcp|udp):\d{1,5})$/, 'a probe port: tcp:N, udp:N or icmp')
  .refine(portsInRange, 'ports are 1-65535');
export type PolicyProbePort = z.infer<typeof policyProbePort>;

export const policyRule = z.strictObject({
  src: z.array(policySelector).min(1).max(256),
  dst: z.array(policySelector).min(1).max(256),
  ports: z.array(policyPortSpec).min(1).max(64),
  // Words for people, shown in the dashboard and in `check` answers; never part of a rule.
  description: z.string().max(200).optional(),
});
export type PolicyRule = z.infer<typeof policyRule>;

export const policyTest = z.strictObject({
  src: policyMemberRef,
  dst: policyMemberRef,
  port: policyProbePort,
  expect: z.enum(['allow', 'deny']),
});
export type PolicyTest = z.infer<typeof policyTest>;

export const policyDocument = z.strictObject({
  rules: z.array(policyRule).max(2_000),
  tests: z.array(policyTest).max(2_000).default([]),
});
export type PolicyDocument = z.infer<typeof policyDocument>;

/** `POST /v1/policy/check`. */
export const policyCheckRequest = z.strictObject({
  src: policyMemberRef,
  dst: policyMemberRef,
  port: policyProbePort,
});
export type PolicyCheckRequest = z.infer<typeof policyCheckRequest>;

/** One finding of the validator or of a failing test: where in the document, and what. */
export const policyIssue = z.object({ path: z.string(), message: z.string() });
export type PolicyIssue = z.infer<typeof policyIssue>;
