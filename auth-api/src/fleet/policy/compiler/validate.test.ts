import { describe, expect, it } from 'vitest';
import { DOCS_EXAMPLE, DOCS_MEMBERS } from './policy-fixtures.test-suite.js';
import { validatePolicy } from './validate.js';

describe('validatePolicy', () => {
  it('finds nothing wrong with the docs/policy.md example', () => {
    expect(validatePolicy(DOCS_EXAMPLE, DOCS_MEMBERS)).toEqual({ errors: [], warnings: [] });
  });

  it('refuses unknown nodes and devices, in rules and tests, with their paths', () => {
    const document = {
      rules: [
        { src: ['node:1'], dst: ['tag:web', 'node:8'], ports: ['*'] },
        { src: ['device:4', 'device:3'], dst: ['*'], ports: ['icmp'] },
      ],
      tests: [{ src: 'node:1', dst: 'device:9', port: 'icmp', expect: 'deny' as const }],
    };
    expect(validatePolicy(document, DOCS_MEMBERS).errors).toEqual([
      { path: 'rules[0].dst[1]', message: 'node:8 does not exist' },
      { path: 'rules[1].src[0]', message: 'device:4 does not exist' },
      { path: 'tests[0].dst', message: 'device:9 does not exist' },
    ]);
  });

  it('warns about tags nobody carries, duplicate rules and tests of a member against itself', () => {
    const document = {
      rules: [
        { src: ['tag:lb', 'tag:db'], dst: ['node:1'], ports: ['tcp:5432', 'icmp'] },
        { src: ['tag:db', 'tag:lb'], dst: ['node:1'], ports: ['icmp', 'tcp:5432'], description: 'again' },
      ],
      tests: [{ src: 'node:2', dst: 'node:2', port: 'icmp', expect: 'allow' as const }],
    };
    const findings = validatePolicy(document, DOCS_MEMBERS);
    expect(findings.errors).toEqual([]);
    expect(findings.warnings).toEqual([
      { path: 'rules[0].src[1]', message: 'no node or device carries the tag db yet' },
      { path: 'rules[1].src[0]', message: 'no node or device carries the tag db yet' },
      { path: 'rules[1]', message: 'allows the same as rules[0]' },
      { path: 'tests[0]', message: 'node:2 is tested against itself; a member always reaches itself' },
    ]);
  });
});
