import type { ErrorCode } from '@wirefleet/shared/errors';
import type { z } from 'zod';

/** A JSON Schema (2020-12) object, as OpenAPI 3.1 embeds it. */
export type JsonSchema = { [keyword: string]: unknown };

export type HttpMethod = 'get' | 'post' | 'patch' | 'put' | 'delete';

/**
 * Who may call a route: `none` (public), `any` (any valid access token, user or node), `node`
 * (a node token), or a user role and everything above it (admin ⊃ operator ⊃ viewer).
 */
export type RouteAuth = 'none' | 'any' | 'node' | 'viewer' | 'operator' | 'admin';

/** How a path parameter is parsed: `idParams` (positive integer) or a UUID (enrollment keys, commands). */
export type ParamKind = 'integer' | 'uuid';

/** Tags group operations in the document; the text is what readers of the docs see. */
export const TAGS = {
  auth: 'Login, token refresh and logout, TOTP, the signing keys',
  users: 'User management (admin)',
  audit: 'The append-only audit log (admin)',
  'enrollment-keys': 'Keys that let a new node join the fleet (admin)',
  nodes: 'Nodes running the agent: enrollment, tokens, signed config, management',
  devices: 'Plain WireGuard peers attached to a node',
  'port-forwards': 'DNAT rules on a node and the named service templates',
  commands: 'Commands sent to a node through the gateway',
  ops: 'Health, readiness, metrics and this document',
} as const;
export type Tag = keyof typeof TAGS;

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
