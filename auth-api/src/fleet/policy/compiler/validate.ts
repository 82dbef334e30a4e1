import type { PolicyDocument, PolicyIssue } from '@wirefleet/shared/schemas';
import { memberRef, parseMemberRef } from './selectors.js';
import type { PolicyMember } from './types.js';

export interface PolicyFindings {
  /** Refuse the document: a `node:`/`device:` that does not exist, in a rule or a test. */
  errors: PolicyIssue[];
  /** Accept, but say so: tags nobody carries yet, duplicate rules, tests of a member against itself. */
  warnings: PolicyIssue[];
}

/** A rule's meaning, ignoring its description and the order of its lists. */
function ruleMeaning(rule: PolicyDocument['rules'][number]): string {
  const sorted = (list: readonly string[]) => [...new Set(list)].sort().join(' ');
  return `${sorted(rule.src)} > ${sorted(rule.dst)} : ${sorted(rule.ports)}`;
}

function checkSelectors(
  selectors: readonly string[],
  path: string,
  known: { refs: ReadonlySet<string>; tags: ReadonlySet<string> },
  findings: PolicyFindings,
): void {
  selectors.forEach((selector, position) => {
    const at = `${path}[${position}]`;
    if (selector.startsWith('tag:')) {
      if (!known.tags.has(selector.slice(4)))
        findings.warnings.push({
          path: at,
          message: `no node or device carries the tag ${selector.slice(4)} yet`,
        });
    } else if (parseMemberRef(selector) && !known.refs.has(selector))
      findings.errors.push({ path: at, message: `${selector} does not exist` });
  });
}

/** What is wrong with a syntactically valid document, given the members that exist now. */
export function validatePolicy(document: PolicyDocument, members: readonly PolicyMember[]): PolicyFindings {
  const findings: PolicyFindings = { errors: [], warnings: [] };
  const known = {
    refs: new Set(members.map(memberRef)),
    tags: new Set(members.flatMap((member) => member.tags)),
  };
  const firstWithMeaning = new Map<string, number>();
  document.rules.forEach((rule, index) => {
    checkSelectors(rule.src, `rules[${index}].src`, known, findings);
    checkSelectors(rule.dst, `rules[${index}].dst`, known, findings);
    const meaning = ruleMeaning(rule);
    const first = firstWithMeaning.get(meaning);
    if (first === undefined) firstWithMeaning.set(meaning, index);
    else findings.warnings.push({ path: `rules[${index}]`, message: `allows the same as rules[${first}]` });
  });
  (document.tests ?? []).forEach((test, index) => {
    for (const side of ['src', 'dst'] as const)
      if (!known.refs.has(test[side]))
        findings.errors.push({ path: `tests[${index}].${side}`, message: `${test[side]} does not exist` });
    if (test.src === test.dst)
      findings.warnings.push({
        path: `tests[${index}]`,
        message: `${test.src} is tested against itself; a member always reaches itself`,
      });
  });
  return findings;
}
