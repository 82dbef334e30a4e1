import { type ErrorCode, type FieldError, WirefleetError } from '@wirefleet/shared/errors';
import type { Request, RequestHandler } from 'express';
import type { z } from 'zod';

function toFieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => ({
    path: issue.path.length > 0 ? issue.path.join('.') : '(body)',
    message: issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : issue.message,
  }));
}

const UNPAIRED_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** A NUL, or a surrogate without its other half: JSON can carry them, Postgres text and jsonb cannot. */
function unstorable(text: string): boolean {
  return text.includes('\u0000') || UNPAIRED_SURROGATE.test(text);
}

interface Visit {
  item: unknown;
  key: string | undefined;
  parent: Visit | undefined;
}

function pathOf(visit: Visit): string {
  const keys: string[] = [];
  for (let at: Visit | undefined = visit; at?.key !== undefined; at = at.parent) keys.push(at.key);
  return keys.length > 0 ? keys.reverse().join('.') : '(body)';
}

/**
 * The path of the first key or string in `value` that is not storable text, or undefined.
 * Iterative, and each step points at its parent instead of copying a path: a 64 KiB body can
 * nest 30,000 levels deep.
 */
function unstorableTextPath(value: unknown): string | undefined {
  const pending: Visit[] = [{ item: value, key: undefined, parent: undefined }];
  for (let visit = pending.pop(); visit; visit = pending.pop()) {
    const { item } = visit;
    if (typeof item === 'string') {
      if (unstorable(item)) return pathOf(visit);
    } else if (typeof item === 'object' && item !== null) {
      for (const [key, child] of Object.entries(item)) {
        const step: Visit = { item: child, key, parent: visit };
        if (unstorable(key)) return pathOf(step);
        pending.push(step);
      }
    }
  }
  return undefined;
}

function parse<S extends z.ZodType>(
  schema: S,
  value: unknown,
  what: string,
  code: ErrorCode = 'invalid_request',
): z.infer<S> {
  const badText = unstorableTextPath(value);
  if (badText !== undefined) {
    throw new WirefleetError('invalid_request', {
      detail: `the ${what} is invalid`,
      errors: [{ path: badText, message: 'text may not contain NUL characters or unpaired surrogates' }],
    });
  }
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new WirefleetError(code, { detail: `the ${what} is invalid`, errors: toFieldErrors(result.error) });
}

/**
 * Validates the JSON body; an absent or non-object body is a 400 like any other bad field. A body
 * of another media type is a 415: express.json leaves it unparsed, and it must not pass for `{}`.
 */
export function parseBody<S extends z.ZodType>(schema: S, req: Request, code?: ErrorCode): z.infer<S> {
  // An empty body (`Content-Length: 0`, as fetch sends for a bodiless POST) is no body at all.
  const hasContent = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  if (hasContent && !req.is('application/json')) {
    throw new WirefleetError('unsupported_media_type', { detail: 'send the request body as application/json' });
  }
  return parse(schema, req.body ?? {}, 'request body', code);
}

export function parseQuery<S extends z.ZodType>(schema: S, req: Request): z.infer<S> {
  return parse(schema, req.query, 'query string');
}

export function parseParams<S extends z.ZodType>(schema: S, req: Request): z.infer<S> {
  const result = schema.safeParse(req.params);
  // A malformed id (`0x1`, `1e0`, `01`) is a malformed path: 400 (CONTRACT §2), never read as
  // another spelling of an id that exists. A well-formed id that names nothing is a 404.
  if (!result.success) {
    throw new WirefleetError('invalid_request', { detail: 'the path is invalid', errors: toFieldErrors(result.error) });
  }
  return result.data;
}

/**
 * A path whose percent-escapes do not decode is a 400 (CONTRACT §2), answered before the router
 * tries to decode a parameter from it and fails with a bare URIError.
 */
export const rejectMalformedPath: RequestHandler = (req, _res, next) => {
  try {
    decodeURIComponent(req.path);
  } catch {
    next(new WirefleetError('invalid_request', { detail: 'the path has a malformed percent-escape', errors: [{ path: '(path)', message: 'malformed percent-escape' }] }));
    return;
  }
  next();
};
