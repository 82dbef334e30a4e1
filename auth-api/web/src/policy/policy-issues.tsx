import type { PolicyDocument, PolicyIssue } from '@wirefleet/shared/schemas';
import { Badge } from '../ui/components.js';
import { connection, type TestOutcome, testOutcomes } from './policy-document.js';

interface IssueListProps {
  title: string;
  issues: readonly PolicyIssue[];
  tone: 'error' | 'warn';
  /** Announced when it appears (the API's answer); the checks made while typing are not. */
  role?: 'alert' | 'status';
  testId: string;
  /** Selects the issue's place in the editor. */
  onLocate: (path: string) => void;
}

/** Problems of the document, each beside its path (`rules.0.ports.1`), which finds it in the editor. */
export function IssueList({ title, issues, tone, role, testId, onLocate }: IssueListProps) {
  return (
    <div class={`notice notice-${tone}`} role={role} data-testid={testId}>
      <strong>{title}</strong>
      <ul class="issues">
        {issues.map((issue) => (
          <li key={`${issue.path} ${issue.message}`} data-path={issue.path}>
            <button type="button" class="issue-path mono" onClick={() => onLocate(issue.path)}>
              {issue.path || 'document'}
            </button>{' '}
            {issue.message}
          </li>
        ))}
      </ul>
    </div>
  );
}

const OUTCOME: Record<TestOutcome['kind'], { tone: 'ok' | 'bad' | 'muted'; words: string }> = {
  passed: { tone: 'ok', words: 'passed' },
  failed: { tone: 'bad', words: 'failed' },
  'not-run': { tone: 'muted', words: 'not run' },
};

/** The document's tests as the last save ran them: each passed or failed (and why), or not run. */
export function TestResults({
  document,
  refusal,
}: {
  document: PolicyDocument;
  refusal?: readonly PolicyIssue[];
}) {
  const outcomes = testOutcomes(document, refusal);
  if (outcomes.length === 0) return <p class="field-hint">The saved document has no tests.</p>;
  return (
    <section aria-labelledby="policy-tests-title" data-testid="policy-test-results">
      <h3 id="policy-tests-title">Tests of the last save</h3>
      <ul class="test-results">
        {outcomes.map((outcome, index) => {
          const test = document.tests[index]!;
          return (
            <li key={`${index}`} data-test-index={index} data-outcome={outcome.kind}>
              <Badge tone={OUTCOME[outcome.kind].tone}>{OUTCOME[outcome.kind].words}</Badge>{' '}
              <span class="mono">tests.{index}</span>{' '}
              {outcome.kind === 'failed' ? outcome.message : `${connection(test)}, expected ${test.expect}`}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
