import { errorCatalogue } from './catalogue.js';
import { type FieldError, WirefleetError } from './wirefleet-error.js';

/** RFC 9457 problem details, as every auth-api 4xx/5xx body. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  code: string;
  detail?: string;
  errors?: FieldError[];
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
export const PROBLEM_TYPE_BASE = 'https://wirefleet.dev/problems/';

/**
 * Turns any thrown value into a problem body. Errors that are not WirefleetErrors become a
 * bare 500 `internal_error`: their message may carry internal state, so it never leaves.
 */
export function toProblem(error: unknown): ProblemDetails {
  const known = error instanceof WirefleetError ? error : new WirefleetError('internal_error');
  const problem: ProblemDetails = {
    type: PROBLEM_TYPE_BASE + known.code,
    title: errorCatalogue[known.code].title,
    status: known.status,
    code: known.code,
  };
  if (known.detail !== undefined && known.status < 500) problem.detail = known.detail;
  if (known.errors !== undefined) problem.errors = known.errors;
  return problem;
}
