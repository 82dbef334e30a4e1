import { describe, expect, it } from 'vitest';
import { checkAccess } from './check.js';
import { DOCS_EXAMPLE, DOCS_MEMBERS, device, inputs, node } from './policy-fixtures.test-suite.js';

const docs = inputs(DOCS_EXAMPLE, DOCS_MEMBERS, [
  { nodeId: 3, protocol: 'udp', targetIp: '100.96.0.2', targetPort: 53 },
  { nodeId: 1, protocol: 'tcp', targetIp: '100.96.0.2', targetPort: 80 },
]);

describe('checkAccess', () => {
  it.each([
    ['node:1', 'node:2', 'tcp:80', { allow: true, rule_index: 0, reason: 'rule' }],
    ['node:1', 'node:7', 'tcp:8050', { allow: true, rule_index: 0, reason: 'rule' }],
    ['node:1', 'node:2', 'icmp', { allow: true, rule_index: 0, reason: 'rule' }],
    ['node:1', 'node:2', 'udp:80', { allow: false, reason: 'no_rule' }],
    ['node:2', 'node:1', 'tcp:80', { allow: false, reason: 'no_rule' }], // rules are one-way
    ['node:3', 'node:2', 'tcp:22', { allow: false, reason: 'no_rule' }],
    ['node:7', 'device:3', 'udp:9', { allow: true, rule_index: 1, reason: 'rule' }],
    ['device:3', 'node:7', 'udp:9', { allow: false, reason: 'no_rule' }],
    ['node:3', 'node:2', 'udp:53', { allow: true, reason: 'port_forward' }],
    ['device:3', 'node:2', 'udp:53', { allow: false, reason: 'no_rule' }], // the forward's source is its node
    ['node:3', 'node:2', 'tcp:53', { allow: false, reason: 'no_rule' }],
    ['node:1', 'node:2', 'tcp:80', { allow: true, rule_index: 0, reason: 'rule' }], // a rule wins over a forward
    ['node:2', 'node:2', 'tcp:22', { allow: true, reason: 'no_policy' }], // self: never enters the tunnel
    ['device:3', 'device:3', 'icmp', { allow: true, reason: 'no_policy' }],
  ])('%s → %s on %s', (src, dst, port, answer) => {
    expect(checkAccess(docs, src, dst, port)).toEqual(answer);
  });

  it('names the first allowing rule', () => {
    const document = {
      rules: [
        { src: ['node:1'], dst: ['node:2'], ports: ['udp:1'] },
        { src: ['*'], dst: ['*'], ports: ['tcp:1-100'] },
        { src: ['node:1'], dst: ['node:2'], ports: ['tcp:80'] },
      ],
      tests: [],
    };
    expect(checkAccess(inputs(document, [node(1), node(2)]), 'node:1', 'node:2', 'tcp:80')).toEqual({
      allow: true,
      rule_index: 1,
      reason: 'rule',
    });
  });

  it('allows everything without a policy', () => {
    expect(checkAccess(inputs(null, DOCS_MEMBERS), 'node:3', 'node:2', 'tcp:22')).toEqual({
      allow: true,
      reason: 'no_policy',
    });
  });

  it('is undefined for an unknown member', () => {
    expect(checkAccess(docs, 'node:1', 'node:99', 'tcp:80')).toBeUndefined();
    expect(checkAccess(docs, 'device:1', 'node:2', 'tcp:80')).toBeUndefined();
    expect(checkAccess(inputs(null, [node(1), device(1, 1)]), 'node:1', 'device:2', 'icmp')).toBeUndefined();
  });
});
