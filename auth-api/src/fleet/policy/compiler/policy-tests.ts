import type { PolicyIssue } from '@wirefleet/shared/schemas';
import { checkAccess } from './check.js';
import type { CheckAnswer, PolicyInputs } from './types.js';

function why(answer: CheckAnswer): string {
  switch (answer.reason) {
    case 'rule':
      return `rules[${answer.rule_index}] allows it`;
    case 'port_forward':
      return 'a port forward allows it';
    case 'no_policy':
      return 'a member always reaches itself';
    case 'no_rule':
      return 'no rule allows it';
  }
}

/**
 * The document's `tests`, run against the inputs: one issue per failing test (path `tests[i]`),
 * naming the connection, what was expected, what the policy does and why.
 */
export function runPolicyTests(inputs: PolicyInputs): PolicyIssue[] {
  const failures: PolicyIssue[] = [];
  (inputs.document?.tests ?? []).forEach((test, index) => {
    const path = `tests[${index}]`;
    const connection = `${test.src} → ${test.dst} on ${test.port}`;
    const answer = checkAccess(inputs, test.src, test.dst, test.port);
    if (!answer) {
      failures.push({ path, message: `${connection}: ${test.src} or ${test.dst} does not exist` });
      return;
    }
    const actual = answer.allow ? 'allow' : 'deny';
    if (actual !== test.expect)
      failures.push({
        path,
        message: `${connection}: expected ${test.expect}, got ${actual} (${why(answer)})`,
      });
  });
  return failures;
}
