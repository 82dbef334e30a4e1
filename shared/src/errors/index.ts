export { errorCatalogue, errorCodes, type ErrorCode } from './catalogue.js';
export { WirefleetError, isWirefleetError, type FieldError, type ErrorOptions } from './wirefleet-error.js';
export { toProblem, PROBLEM_CONTENT_TYPE, PROBLEM_TYPE_BASE, type ProblemDetails } from './problem.js';
