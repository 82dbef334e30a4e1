/** Tags group operations in the document; the text is what readers of the docs see. */
export const TAGS = {
  auth: 'Login, token refresh and logout, TOTP, the signing keys',
  users: 'User management (admin)',
  audit: 'The append-only audit log (admin)',
  'enrollment-keys': 'Keys that let a new node join the fleet (admin)',
  nodes: 'Nodes running the agent: enrollment, tokens, signed config, management',
  devices: 'Plain WireGuard peers attached to a node',
  'port-forwards': 'DNAT rules on a node and the named service templates',
  commands: 'Commands sent to a node through the gateway',
  policy: 'Access policy between nodes and devices: rules, tests, versions, checks',
  ops: 'Health, readiness, metrics and this document',
} as const;
export type Tag = keyof typeof TAGS;
