import type { ErrorCode } from '@wirefleet/shared/errors';
import type { Request, RequestHandler, Response } from 'express';
import type { z } from 'zod';
import type { Tag } from '../../../openapi/tags.js';

export type HttpMethod = 'get' | 'post' | 'patch' | 'put' | 'delete';

/**
 * Who may call a route: `none` (public), `any` (any valid access token, user or node), `node`
 * (a node token), or a user role and everything above it (admin ⊃ operator ⊃ viewer).
 */
export type RouteAuth = 'none' | 'any' | 'node' | 'viewer' | 'operator' | 'admin';

export type SuccessStatus = 200 | 201 | 202 | 204;

export interface ResponseSpec {
  description: string;
  /**
   * The body. A schema registered with an `id` in `responseRegistry` is documented as a `$ref`
   * to its component, any other inline. Absent when there is no body (204).
   */
  schema?: z.ZodType;
  /** Defaults to `application/json`. */
  contentType?: string;
  /** Response headers worth knowing (name → description), e.g. `Location`. */
  headers?: Record<string, string>;
}

/** What a route validates before its handler runs, in this order: params, query, body. */
export interface RequestSchemas {
  /** Path parameters: an object schema keyed by the `{name}`s of the path. */
  params?: z.ZodType;
  query?: z.ZodType;
  /** A missing body is validated as `{}` (see `parseBody`). */
  body?: z.ZodType;
}

type Parsed<S> = S extends z.ZodType ? z.output<S> : undefined;

/** What a handler receives: the validated request parts, the raw request and response, its deps. */
export interface RouteCall<Deps, S extends RequestSchemas> {
  params: Parsed<S['params']>;
  query: Parsed<S['query']>;
  body: Parsed<S['body']>;
  req: Request;
  res: Response;
  deps: Deps;
}

/**
 * A route, declared once: the router registers it from this (auth, validation, handler), the
 * OpenAPI document is generated from it, and in tests every response it sends is checked
 * against `responses` (success bodies) and the problem codes its shape and `errors` imply.
 */
export interface RouteDefinition<Deps = unknown, S extends RequestSchemas = RequestSchemas> {
  method: HttpMethod;
  /** OpenAPI style: `/v1/users/{id}`. */
  path: string;
  /** Stable name for generated clients; unique across the document. */
  operationId: string;
  summary: string;
  description?: string;
  tags: Tag[];
  auth: RouteAuth;
  request?: S;
  /** Every success status the handler may send, with its body. */
  responses: Partial<Record<SuccessStatus, ResponseSpec>>;
  /**
   * Errors particular to this route. Errors implied by the route's shape are added for it, so
   * they are never forgotten: 401 for authenticated routes, 403 for role-gated ones,
   * 400/413/415 for bodies, 400 for queries, 400/404 for path ids, 503 `service_unavailable`
   * for routes that reach the database, 500 always (`openapi/problem-responses.ts`).
   */
  errors: ErrorCode[];
  /**
   * The code of the 400 for a body that fails its schema, where the contract names one of its
   * own (`invalid_policy`); `invalid_request` otherwise. List it in `errors` too.
   */
  bodyErrorCode?: ErrorCode;
  /**
   * Served ahead of Express's router (`platform/http/fast-routes.ts`) when a request is a plain
   * JSON POST to exactly this path: for the few hot routes whose cost is mostly the framework's.
   * The answers are the same either way; only routes without path parameters qualify.
   */
  fast?: boolean;
  /** Middleware between authentication and validation (a header every answer must carry). */
  before?: RequestHandler[];
  // A method, so that a route with narrower request types still fits a list of routes.
  handler(call: RouteCall<Deps, S>): void | Promise<void>;
}

/**
 * `const route = routeDefiner<Deps>()`, then `route({...})` per route: the deps type is given
 * once per file and each route's request types are inferred from its own schemas.
 */
export function routeDefiner<Deps>() {
  return <S extends RequestSchemas = Record<never, never>>(
    route: RouteDefinition<Deps, S>,
  ): RouteDefinition<Deps> => route;
}
