import {
  type ErrorCode,
  errorCatalogue,
  errorCodes,
  PROBLEM_CONTENT_TYPE,
  toProblem,
  WirefleetError,
} from '@wirefleet/shared/errors';
import type { RouteDefinition } from '../platform/http/routes/route-definition.js';
import type { JsonSchema } from './json-schema.js';

export const PROBLEM_REF = '#/components/schemas/Problem';

/** RFC 9457 problem details as `http/error-handler.ts` writes them (via `toProblem`). */
export const problemSchema: JsonSchema = {
  type: 'object',
  description:
    'RFC 9457 problem details. Clients branch on `code`; `errors` lists field problems of a 400 `invalid_request`. Other members may be present.',
  required: ['type', 'title', 'status', 'code'],
  properties: {
    type: { type: 'string', format: 'uri', description: 'A URI naming the problem type.' },
    title: { type: 'string', description: 'A short summary of the problem type.' },
    status: { type: 'integer', minimum: 400, maximum: 599 },
    code: { type: 'string', enum: [...errorCodes], description: 'The stable error code.' },
    detail: { type: 'string', description: 'What went wrong this time (never on 5xx).' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        required: ['path', 'message'],
        properties: { path: { type: 'string' }, message: { type: 'string' } },
      },
    },
  },
};

/** Errors a route can answer with because of its shape, whatever its handler does. */
function impliedErrors(route: RouteDefinition): ErrorCode[] {
  const { params, query, body } = route.request ?? {};
  const codes: ErrorCode[] = ['internal_error'];
  if (route.auth !== 'none') codes.push('unauthorized', 'invalid_token');
  // `any` lets every valid token in; the others refuse valid tokens of the wrong kind or role.
  if (route.auth !== 'none' && route.auth !== 'any') codes.push('forbidden');
  // express.json runs before every route, but only routes that read a body care what it held.
  if (body) codes.push('invalid_request', 'payload_too_large', 'unsupported_media_type');
  if (query) codes.push('invalid_request');
  // parseParams answers a malformed id with 400, an unknown one with 404.
  if (params) codes.push('invalid_request', 'not_found');
  // Every route that reads a session, a user or a body's subject asks the database first.
  if (route.auth !== 'none' || body) codes.push('service_unavailable');
  return codes;
}

/**
 * Every problem `code` the route may answer with, by HTTP status, each list sorted: what the
 * document shows and what the response check in tests accepts.
 */
export function problemCodesByStatus(route: RouteDefinition): Map<number, ErrorCode[]> {
  const byStatus = new Map<number, Set<ErrorCode>>();
  for (const code of [...impliedErrors(route), ...route.errors]) {
    const status = errorCatalogue[code].status;
    const codes = byStatus.get(status) ?? new Set<ErrorCode>();
    codes.add(code);
    byStatus.set(status, codes);
  }
  return new Map(
    [...byStatus.keys()].sort((a, b) => a - b).map((status) => [status, [...byStatus.get(status)!].sort()]),
  );
}

const retryAfterHeader = {
  description: 'Seconds until a retry may succeed.',
  schema: { type: 'integer', minimum: 1 },
};

/**
 * One response per status, listing the codes that status can carry for this route: a client
 * sees at a glance which `code`s to branch on, and each has an example body from `toProblem`.
 */
export function errorResponses(route: RouteDefinition): Record<string, JsonSchema> {
  const responses: Record<string, JsonSchema> = {};
  for (const [status, codes] of problemCodesByStatus(route)) {
    const response: JsonSchema = {
      description: codes.map((code) => `\`${code}\`: ${errorCatalogue[code].title}`).join('; '),
      content: {
        [PROBLEM_CONTENT_TYPE]: {
          schema: { allOf: [{ $ref: PROBLEM_REF }, { properties: { code: { enum: codes } } }] },
          examples: Object.fromEntries(
            codes.map((code) => [code, { value: toProblem(new WirefleetError(code)) }]),
          ),
        },
      },
    };
    // Rate limits always say when to come back; so do a full password-hashing queue and an
    // unreachable database.
    if (status === 429 || codes.includes('server_busy') || codes.includes('service_unavailable'))
      response.headers = { 'Retry-After': retryAfterHeader };
    responses[String(status)] = response;
  }
  return responses;
}
