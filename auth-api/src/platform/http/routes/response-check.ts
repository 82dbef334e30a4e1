import { errorCodes, PROBLEM_CONTENT_TYPE, PROBLEM_TYPE_BASE } from '@wirefleet/shared/errors';
import type { Logger } from '@wirefleet/shared/logging';
import type { RequestHandler, Response } from 'express';
import { z } from 'zod';
import { problemCodesByStatus } from '../../../openapi/problem-responses.js';
import type { RouteDefinition, SuccessStatus } from './route-definition.js';

/** Where a registered route leaves its definition for the response check (`res.locals`). */
const ROUTE_LOCAL = 'routeDefinition';

/** The first middleware of every registered route: tells the response check whose answer this is. */
export function markRoute(route: RouteDefinition<never>): RequestHandler {
  return (_req, res, next) => {
    res.locals[ROUTE_LOCAL] = route;
    next();
  };
}

/** The log line of a violation; test support fails the suite on any. */
export const RESPONSE_VIOLATION_MESSAGE = 'response does not match its declared schema';

/**
 * On by default under a test runner, off otherwise: in production a response that drifted
 * from the document is the document's bug and must not cost the client its answer.
 */
export function responseChecksEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.NODE_ENV === 'test';
}

const fieldError = z.looseObject({ path: z.string(), message: z.string() });

function problemViolation(route: RouteDefinition, status: number, value: unknown): string | undefined {
  const codes = problemCodesByStatus(route).get(status);
  if (!codes) return `status ${status} is not documented`;
  const problem = z.looseObject({
    type: z.string().startsWith(PROBLEM_TYPE_BASE),
    title: z.string(),
    status: z.literal(status),
    code: z.enum(errorCodes).refine((code) => codes.includes(code), `not a documented code for ${status}`),
    detail: z.string().optional(),
    errors: z.array(fieldError).optional(),
  });
  return issues(problem.safeParse(value));
}

function issues(result: z.ZodSafeParseResult<unknown>): string | undefined {
  if (result.success) return undefined;
  return result.error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(body)'}: ${issue.message}`)
    .join('; ');
}

function parseJson(body: string): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(body) };
  } catch {
    return undefined;
  }
}

/**
 * Why `body` (sent with `status` and `contentType`) is not what `route` documents, or
 * undefined when it is: a success status the route declares, with its content type and a
 * body its schema accepts; an error as problem+json with a code documented for that status.
 */
export function responseViolation(
  route: RouteDefinition,
  status: number,
  contentType: string,
  body: string,
): string | undefined {
  const mediaType = contentType.split(';')[0]!.trim();
  if (status >= 400) {
    if (mediaType !== PROBLEM_CONTENT_TYPE) return `an error sent as ${mediaType || 'no content type'}`;
    const parsed = parseJson(body);
    return parsed ? problemViolation(route, status, parsed.value) : 'an error body that is not JSON';
  }
  const spec = route.responses[status as SuccessStatus];
  if (!spec) return `status ${status} is not documented`;
  if (!spec.schema) return body.length > 0 ? 'a body where none is documented' : undefined;
  const declared = spec.contentType ?? 'application/json';
  if (mediaType !== declared) return `sent as ${mediaType || 'no content type'}, documented as ${declared}`;
  if (declared !== 'application/json') return issues(spec.schema.safeParse(body));
  const parsed = parseJson(body);
  return parsed ? issues(spec.schema.safeParse(parsed.value)) : 'a body that is not JSON';
}

type End = Response['end'];

function bodyText(chunk: unknown, encoding: unknown): string {
  if (typeof chunk === 'string') return chunk;
  if (Buffer.isBuffer(chunk))
    return chunk.toString(typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
  return '';
}

/**
 * App-level middleware (before the routers) that checks every answer of a registered route as
 * it is written. A violation is logged and replaces the answer with a 500 whose `detail`
 * names the route, the status and the schema issue, so the test that made the call fails on
 * its status and shows why. Test builds only: a 5xx never carries a detail otherwise.
 */
export function checkResponses(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const end = res.end.bind(res) as (...args: unknown[]) => Response;
    res.end = ((chunk?: unknown, encoding?: unknown, callback?: unknown) => {
      const route = res.locals[ROUTE_LOCAL] as RouteDefinition | undefined;
      // A HEAD or 304 answer has no body to check; an answer already on the wire cannot change.
      if (!route || req.method === 'HEAD' || res.statusCode === 304 || res.headersSent)
        return end(chunk, encoding, callback);
      const status = res.statusCode;
      const contentType = String(res.getHeader('content-type') ?? '');
      const violation = responseViolation(route, status, contentType, bodyText(chunk, encoding));
      if (violation === undefined) return end(chunk, encoding, callback);
      const detail = `${route.method.toUpperCase()} ${route.path} answered ${status}: ${violation}`;
      logger.error({ route: `${route.method} ${route.path}`, status, violation }, RESPONSE_VIOLATION_MESSAGE);
      const problem = JSON.stringify({
        type: `${PROBLEM_TYPE_BASE}internal_error`,
        title: RESPONSE_VIOLATION_MESSAGE,
        status: 500,
        code: 'internal_error',
        detail,
      });
      res.statusCode = 500;
      res.removeHeader('etag');
      res.setHeader('content-type', PROBLEM_CONTENT_TYPE);
      res.setHeader('content-length', Buffer.byteLength(problem));
      return end(problem, 'utf8', typeof callback === 'function' ? callback : undefined);
    }) as End;
    next();
  };
}
