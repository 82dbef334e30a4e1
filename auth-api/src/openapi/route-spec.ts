import type { ErrorCode } from '@wirefleet/shared/errors';
import type { z } from 'zod';
import type { HttpMethod, RouteAuth } from '../http/routes/route-definition.js';
import type { JsonSchema } from './json-schema.js';
import type { Tag } from './tags.js';

export type { JsonSchema } from './json-schema.js';
export type { HttpMethod, RouteAuth } from '../http/routes/route-definition.js';
export { TAGS, type Tag } from './tags.js';

/** How a path parameter is parsed: `idParams` (positive integer) or a UUID (enrollment keys, commands). */
export type ParamKind = 'integer' | 'uuid';

export interface SuccessSpec {
  status: 200 | 201 | 202 | 204;
  description: string;
  /**
   * The response body: a zod schema registered in `responseRegistry` (rendered as a `$ref` to
   * its component) or a literal JSON Schema. Absent for 204.
   */
  schema?: z.ZodType | JsonSchema;
  /** Defaults to `application/json`. */
  contentType?: string;
  /** Response headers worth knowing (name → description), e.g. `Location`. */
  headers?: Record<string, string>;
}

export interface RouteSpec {
  method: HttpMethod;
  /** OpenAPI style: `/v1/users/{id}`. */
  path: string;
  /** Stable name for generated clients; unique across the document. */
  operationId: string;
  summary: string;
  description?: string;
  tags: Tag[];
  auth: RouteAuth;
  /** The very schema object the router hands to `parseBody`, so the document cannot drift. */
  body?: z.ZodType;
  /** The very schema object the router hands to `parseQuery`. */
  query?: z.ZodType;
  params?: Record<string, ParamKind>;
  success: SuccessSpec;
  /**
   * Errors particular to this route. Errors implied by the route's shape are added by the
   * document builder, so they are never forgotten: 401 for authenticated routes, 403 for
   * role-gated ones, 400/413/415 for bodies, 400 for queries, 400/404 for path ids, 503
   * `service_unavailable` for routes that reach the database, 500 always.
   */
  errors: ErrorCode[];
}
