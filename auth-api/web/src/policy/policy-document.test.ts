import { describe, expect, it } from 'vitest';
import { FULL_MESH, issuesAt, locatePath, parsePolicy, policyText, testOutcomes } from './policy-document.js';

const document = {
  rules: [{ src: ['tag:lb'], dst: ['node:2'], ports: ['tcp:80'] }],
  tests: [
    { src: 'node:1', dst: 'node:2', port: 'tcp:80', expect: 'allow' as const },
    { src: 'node:3', dst: 'node:2', port: 'tcp:22', expect: 'deny' as const },
  ],
};

describe('the policy editor’s text', () => {
  it('starts from the full mesh before any policy is set, and round-trips a document', () => {
    expect(parsePolicy(policyText(null))).toEqual({ ok: true, document: FULL_MESH });
    expect(parsePolicy(policyText(document))).toEqual({ ok: true, document });
  });

  it('writes each rule’s and test’s fields in the documented order, whatever order they came in', () => {
    const sorted = {
      rules: [{ dst: ['*'], src: ['*'], ports: ['*'] }],
      tests: [{ dst: 'node:2', src: 'node:1', port: 'icmp', expect: 'allow' as const }],
    };
    const text = policyText(sorted);
    expect(text.indexOf('"src"')).toBeLessThan(text.indexOf('"dst"'));
    expect(text.lastIndexOf('"src"')).toBeLessThan(text.lastIndexOf('"dst"'));
    expect(parsePolicy(text)).toEqual({ ok: true, document: sorted });
  });

  it('says what is wrong with the API’s paths: JSON first, then the shared schema', () => {
    expect(parsePolicy('{"rules": [')).toMatchObject({
      ok: false,
      issues: [{ path: '', message: expect.stringMatching(/^not JSON/) }],
    });
    const bad = parsePolicy(
      JSON.stringify({ rules: [{ src: ['*'], dst: ['nodes:1'], ports: ['tcp:70000'] }] }),
    );
    expect(bad.ok).toBe(false);
    const issues = bad.ok ? [] : bad.issues;
    expect(issues.map((issue) => issue.path)).toEqual(['rules.0.dst.0', 'rules.0.ports.0']);
    expect(issuesAt(issues, 'rules.0').length).toBe(2);
    expect(issuesAt(issues, 'rules.0.dst')).toEqual([issues[0]]);
    expect(issuesAt(issues, 'rules.1')).toEqual([]);
  });

  it('finds a path in the text, or its nearest parent; nothing in text that is not JSON', () => {
    const text = policyText(document);
    const at = (path: string) => {
      const span = locatePath(text, path);
      return span ? text.slice(span.start, span.end) : undefined;
    };
    expect(at('rules.0.dst.0')).toBe('"node:2"');
    expect(at('tests.1.expect')).toBe('"deny"');
    expect(JSON.parse(at('tests.1')!)).toEqual(document.tests[1]);
    expect(JSON.parse(at('rules.0.description')!)).toEqual(document.rules[0]);
    expect(at('')).toBe(text.trim());
    expect(locatePath('{"rules": [', 'rules')).toBeUndefined();
  });
});

describe('the tests of a save', () => {
  it('all passed when the API accepted the document', () => {
    expect(testOutcomes(document, undefined)).toEqual([{ kind: 'passed' }, { kind: 'passed' }]);
  });

  it('names the failing test when a test refused it, the others passed', () => {
    const refusal = [
      {
        path: 'tests.1',
        message: 'node:3 → node:2 on tcp:22: expected deny, got allow (rules[0] allows it)',
      },
    ];
    expect(testOutcomes(document, refusal)).toEqual([
      { kind: 'passed' },
      { kind: 'failed', message: refusal[0]!.message },
    ]);
  });

  it('did not run when the document had other errors', () => {
    const refusal = [{ path: 'rules.0.dst.0', message: 'node:2 does not exist' }];
    expect(testOutcomes(document, refusal)).toEqual([{ kind: 'not-run' }, { kind: 'not-run' }]);
  });
});
