import { type PolicyDocument, type PolicyIssue, policyDocument } from '@wirefleet/shared/schemas';

/**
 * What the editor starts from before any policy is set: the one rule that keeps the full mesh
 * (version 0), so saving it unchanged changes nothing, and tests to write below it.
 */
export const FULL_MESH: PolicyDocument = { rules: [{ src: ['*'], dst: ['*'], ports: ['*'] }], tests: [] };

/**
 * The document as the editor shows it: two-space JSON with `tests` always present and each
 * rule's and test's fields in the documented order (stored versions come back from Postgres
 * with their keys sorted), so two versions read alike.
 */
export function policyText(document: PolicyDocument | null): string {
  const shown = document ?? FULL_MESH;
  const rules = shown.rules.map(({ src, dst, ports, description }) => ({ src, dst, ports, description }));
  const tests = (shown.tests ?? []).map(({ src, dst, port, expect }) => ({ src, dst, port, expect }));
  return `${JSON.stringify({ rules, tests }, null, 2)}\n`;
}

export type ParsedPolicy = { ok: true; document: PolicyDocument } | { ok: false; issues: PolicyIssue[] };

/**
 * The editor's text checked as the API will: JSON first, then the shared schema. Each problem
 * has the API's path style (`rules.0.ports.1`; `''` for the document as a whole).
 */
export function parsePolicy(text: string): ParsedPolicy {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, issues: [{ path: '', message: `not JSON: ${(error as Error).message}` }] };
  }
  const result = policyDocument.safeParse(json);
  if (result.success) return { ok: true, document: result.data };
  const issues = result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
  return { ok: false, issues };
}

/** The issues about `path` or anything inside it (`rules.3` holds `rules.3.dst.1`). */
export function issuesAt(issues: readonly PolicyIssue[], path: string): PolicyIssue[] {
  return issues.filter((issue) => issue.path === path || issue.path.startsWith(`${path}.`));
}

export type TestOutcome =
  | { kind: 'passed' }
  | { kind: 'failed'; message: string }
  /** The document had other errors, so the API did not run its tests. */
  | { kind: 'not-run' };

/**
 * What became of each of the document's tests on a save: all passed when it was accepted; when
 * it was refused for failing tests (every error is a whole test, `tests.N`), those failed and the
 * rest passed; refused for anything else, the tests did not run.
 */
export function testOutcomes(
  document: PolicyDocument,
  refusal: readonly PolicyIssue[] | undefined,
): TestOutcome[] {
  const tests = document.tests ?? [];
  if (!refusal) return tests.map(() => ({ kind: 'passed' }));
  const testsRan = refusal.length > 0 && refusal.every((issue) => /^tests\.\d+$/.test(issue.path));
  return tests.map((_, index) => {
    if (!testsRan) return { kind: 'not-run' };
    const failure = refusal.find((issue) => issue.path === `tests.${index}`);
    return failure ? { kind: 'failed', message: failure.message } : { kind: 'passed' };
  });
}

/** "node:1 → node:2 on tcp:80" */
export const connection = (probe: { src: string; dst: string; port: string }): string =>
  `${probe.src} → ${probe.dst} on ${probe.port}`;

export interface Span {
  start: number;
  end: number;
}

/** Every value's place in a JSON text, by its path (`''`, `rules`, `rules.0`, `rules.0.src.1`…). */
function valueSpans(text: string): Map<string, Span> {
  const spans = new Map<string, Span>();
  let at = 0;
  const skip = () => {
    while (/\s/.test(text.charAt(at))) at += 1;
  };
  const string = () => {
    at += 1;
    while (at < text.length && text[at] !== '"') at += text[at] === '\\' ? 2 : 1;
    at += 1;
  };
  const value = (path: string): void => {
    skip();
    const start = at;
    const open = text[at];
    if (open === '{' || open === '[') {
      at += 1;
      for (let index = 0; ; index += 1) {
        skip();
        if (at >= text.length || text[at] === (open === '{' ? '}' : ']')) break;
        let key = String(index);
        if (open === '{') {
          const keyStart = at;
          string();
          key = JSON.parse(text.slice(keyStart, at)) as string;
          skip();
          at += 1; // the colon
        }
        value(path === '' ? key : `${path}.${key}`);
        skip();
        if (text[at] === ',') at += 1;
      }
      at += 1;
    } else if (open === '"') string();
    else while (at < text.length && !/[\s,\]}]/.test(text.charAt(at))) at += 1;
    spans.set(path, { start, end: at });
  };
  value('');
  return spans;
}

/**
 * Where an issue's path is in the editor's text, to select it there: the value at the path, or
 * at its nearest parent that exists (a missing field is reported at the object that lacks it).
 * Undefined when the text is not JSON.
 */
export function locatePath(text: string, path: string): Span | undefined {
  try {
    JSON.parse(text);
  } catch {
    return undefined;
  }
  const spans = valueSpans(text);
  const parts = path === '' ? [] : path.split('.');
  for (let length = parts.length; length >= 0; length -= 1) {
    const span = spans.get(parts.slice(0, length).join('.'));
    if (span) return span;
  }
  return undefined;
}
