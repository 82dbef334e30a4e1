import type { Router } from 'express';
import type { Authenticator } from '../authenticate.js';
import type { RouteDefinition } from './route-definition.js';
import { routerFor } from './route-router.js';

/**
 * One routes file, ready to mount: its definitions (which the OpenAPI document lists) and the
 * parts of the service context its handlers use, picked when the app is built.
 */
export interface RouteGroup<Ctx> {
  readonly definitions: readonly RouteDefinition[];
  router(ctx: Ctx, auth: Authenticator): Router;
}

export function routeGroup<Ctx, Deps>(
  definitions: readonly RouteDefinition<Deps>[],
  deps: (ctx: Ctx) => Deps,
): RouteGroup<Ctx> {
  return { definitions, router: (ctx, auth) => routerFor(definitions, deps(ctx), auth) };
}
