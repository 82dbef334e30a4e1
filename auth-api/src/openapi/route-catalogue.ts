import { fleetRoutes } from './route-catalogue/fleet.js';
import { identityRoutes } from './route-catalogue/identity.js';
import { opsRoutes } from './route-catalogue/ops.js';
import type { RouteSpec } from './route-spec.js';

export type {
  HttpMethod,
  JsonSchema,
  ParamKind,
  RouteAuth,
  RouteSpec,
  SuccessSpec,
  Tag,
} from './route-spec.js';

/**
 * Every auth-api route, in one declarative list: the source of `GET /openapi.json`. A route
 * missing here fails `openapi-coverage.int.test.ts`, which reads the routers' source.
 */
export const routeCatalogue: readonly RouteSpec[] = [...opsRoutes, ...identityRoutes, ...fleetRoutes];
