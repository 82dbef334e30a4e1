import type { Router } from 'express';
import type { Authenticator } from '../authenticate.js';
import type { RequestHandler } from 'express';
import type { RouteDefinition } from './route-definition.js';
import { routeChain, routerFor } from './route-router.js';

/** A route marked `fast`, with the handlers its match runs (the same the router would run). */
export interface MatchedRoute {
  route: RouteDefinition;
  handlers: RequestHandler[];
}

/**
 * One routes file, ready to mount: its definitions (which the OpenAPI document lists) and the
 * parts of the service context its handlers use, picked when the app is built.
 */
export interface RouteGroup<Ctx> {
  readonly definitions: readonly RouteDefinition[];
  router(ctx: Ctx, auth: Authenticator): Router;
  /** The group's routes marked `fast`, for the fast routes in front of Express. */
  fastRoutes(ctx: Ctx, auth: Authenticator): MatchedRoute[];
}

export function routeGroup<Ctx, Deps>(
  definitions: readonly RouteDefinition<Deps>[],
  deps: (ctx: Ctx) => Deps,
): RouteGroup<Ctx> {
  return {
    definitions,
    router: (ctx, auth) => routerFor(definitions, deps(ctx), auth),
    fastRoutes(ctx, auth) {
      const fast = definitions.filter((route) => route.fast);
      if (fast.length === 0) return [];
      const shared = deps(ctx);
      return fast.map((route) => ({
        route: route as RouteDefinition,
        handlers: routeChain(route, shared, auth),
      }));
    },
  };
}
