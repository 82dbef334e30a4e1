import { type RequestHandler, Router } from 'express';
import type { Authenticator } from '../authenticate.js';
import { parseBody, parseParams, parseQuery } from '../validate.js';
import { markRoute } from './response-check.js';
import type { RequestSchemas, RouteAuth, RouteCall, RouteDefinition } from './route-definition.js';

/** `/v1/users/{id}` → `/v1/users/:id` (in Express 5 paths, braces mean an optional part). */
export function expressPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ':$1');
}

function authMiddleware(
  auth: RouteAuth,
  authenticator: Authenticator | undefined,
  path: string,
): RequestHandler[] {
  if (auth === 'none') return [];
  if (!authenticator) throw new Error(`${path} needs an authenticator to check its \`${auth}\` tokens`);
  if (auth === 'any') return [authenticator.any()];
  if (auth === 'node') return [authenticator.node()];
  return [authenticator.require(auth)];
}

/** Validates the request parts the route declares, in order (params, query, body), then runs it. */
function handlerOf<Deps>(route: RouteDefinition<Deps>, deps: Deps): RequestHandler {
  const { params, query, body } = route.request ?? {};
  return async (req, res) => {
    const call: RouteCall<Deps, RequestSchemas> = {
      params: params ? parseParams(params, req) : undefined,
      query: query ? parseQuery(query, req) : undefined,
      body: body ? parseBody(body, req, route.bodyErrorCode) : undefined,
      req,
      res,
      deps,
    };
    await route.handler(call);
  };
}

/**
 * The handlers one route runs once matched, in order: the marker the response check reads,
 * authentication, its `before` middleware, validation and its handler. The Express router and
 * the fast routes (fast-routes.ts) both run this list, so a route behaves the same on either.
 */
export function routeChain<Deps>(
  route: RouteDefinition<Deps>,
  deps: Deps,
  authenticator?: Authenticator,
): RequestHandler[] {
  return [
    markRoute(route),
    ...authMiddleware(route.auth, authenticator, route.path),
    ...(route.before ?? []),
    handlerOf(route, deps),
  ];
}

/**
 * An Express router serving `routes`, in their order (a literal segment such as
 * `/v1/nodes/self/...` must come before `/v1/nodes/{id}/...`), each running its `routeChain`.
 */
export function routerFor<Deps>(
  routes: readonly RouteDefinition<Deps>[],
  deps: Deps,
  authenticator?: Authenticator,
): Router {
  const router = Router();
  for (const route of routes) {
    router[route.method](expressPath(route.path), ...routeChain(route, deps, authenticator));
  }
  return router;
}
