import { describe, expect, it } from 'vitest';
import { DOCS_EXAMPLE, DOCS_MEMBERS, inputs } from './policy-fixtures.test-suite.js';
import { runPolicyTests } from './policy-tests.js';

describe('runPolicyTests', () => {
  it('passes the docs/policy.md example', () => {
    expect(runPolicyTests(inputs(DOCS_EXAMPLE, DOCS_MEMBERS))).toEqual([]);
  });

  it('names each failing test, the connection, what was expected, what happens and why', () => {
    const document = {
      ...DOCS_EXAMPLE,
      tests: [
        { src: 'node:1', dst: 'node:2', port: 'tcp:80', expect: 'deny' as const },
        { src: 'node:3', dst: 'node:2', port: 'tcp:22', expect: 'deny' as const },
        { src: 'node:2', dst: 'node:1', port: 'tcp:80', expect: 'allow' as const },
        { src: 'node:3', dst: 'node:2', port: 'udp:53', expect: 'deny' as const },
        { src: 'node:2', dst: 'node:2', port: 'icmp', expect: 'deny' as const },
        { src: 'node:2', dst: 'node:9', port: 'icmp', expect: 'deny' as const },
      ],
    };
    const forwards = [{ nodeId: 3, protocol: 'udp' as const, targetIp: '100.96.0.2', targetPort: 53 }];
    expect(runPolicyTests(inputs(document, DOCS_MEMBERS, forwards))).toEqual([
      {
        path: 'tests[0]',
        message: 'node:1 → node:2 on tcp:80: expected deny, got allow (rules[0] allows it)',
      },
      {
        path: 'tests[2]',
        message: 'node:2 → node:1 on tcp:80: expected allow, got deny (no rule allows it)',
      },
      {
        path: 'tests[3]',
        message: 'node:3 → node:2 on udp:53: expected deny, got allow (a port forward allows it)',
      },
      {
        path: 'tests[4]',
        message: 'node:2 → node:2 on icmp: expected deny, got allow (a member always reaches itself)',
      },
      { path: 'tests[5]', message: 'node:2 → node:9 on icmp: node:2 or node:9 does not exist' },
    ]);
  });

  it('has nothing to run without a document', () => {
    expect(runPolicyTests(inputs(null, DOCS_MEMBERS))).toEqual([]);
  });
});
