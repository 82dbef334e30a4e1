/**
 * The access-policy compiler (issue #14, docs/policy.md): pure functions from the policy
 * document, the members and the port forwards to what each node receives (peers and filter),
 * plus the questions the API asks about a document (check, validation, its tests, which nodes
 * a change affects). No I/O: callers load the inputs and sign the results.
 */
export { affectedNodes } from './affected.js';
export { checkAccess } from './check.js';
export { compileAll, compiledKey, compileNode } from './compile.js';
export { runPolicyTests } from './policy-tests.js';
export type {
  CheckAnswer,
  CompiledNode,
  NodeFilter,
  PolicyForward,
  PolicyInputs,
  PolicyMember,
} from './types.js';
export { type PolicyFindings, validatePolicy } from './validate.js';
