import { type FieldError, WirefleetError } from '@wirefleet/shared/errors';
import type { Request } from 'express';
import type { z } from 'zod';

function toFieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => ({
    path: issue.path.length > 0 ? issue.path.join('.') : '(body)',
    message: issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : issue.message,
  }));
}

function parse<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new WirefleetError('invalid_request', { detail: `the ${what} is invalid`, errors: toFieldErrors(result.error) });
}

/** Validates the JSON body; an absent or non-object body is a 400 like any other bad field. */
export function parseBody<S extends z.ZodType>(schema: S, req: Request): z.infer<S> {
  return parse(schema, req.body ?? {}, 'request body');
}

export function parseQuery<S extends z.ZodType>(schema: S, req: Request): z.infer<S> {
  return parse(schema, req.query, 'query string');
}

export function parseParams<S extends z.ZodType>(schema: S, req: Request): z.infer<S> {
  const result = schema.safeParse(req.params);
  // A malformed id names no resource: that is a 404, as for any other unknown id.
  if (!result.success) throw new WirefleetError('not_found');
  return result.data;
}
