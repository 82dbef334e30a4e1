import { auditRouteDefinitions } from '../audit/audit-routes.js';
import { commandRouteDefinitions } from '../fleet/commands/command-routes.js';
import { deviceRouteDefinitions } from '../fleet/devices/device-routes.js';
import { enrollmentRouteDefinitions } from '../fleet/enrollment/enrollment-routes.js';
import { nodeRouteDefinitions } from '../fleet/nodes/node-routes.js';
import { portForwardRouteDefinitions } from '../fleet/port-forwards/port-forward-routes.js';
import type { RouteDefinition } from '../http/routes/route-definition.js';
import { authRouteDefinitions } from '../identity/auth/auth-routes.js';
import { userRouteDefinitions } from '../identity/users/user-routes.js';
import { fromCatalogue } from './catalogue-adapter.js';
import { routeCatalogue } from './route-catalogue.js';

/** Definitions registered by the routers so far; the catalogue documents the rest. */
const registered: readonly RouteDefinition[] = [
  ...authRouteDefinitions,
  ...userRouteDefinitions,
  ...auditRouteDefinitions,
  ...enrollmentRouteDefinitions,
  ...nodeRouteDefinitions,
  ...deviceRouteDefinitions,
  ...portForwardRouteDefinitions,
  ...commandRouteDefinitions,
];

const key = (route: { method: string; path: string }) => `${route.method} ${route.path}`;
const byKey = new Map(registered.map((route) => [key(route), route]));
const catalogued = new Set(routeCatalogue.map(key));

/**
 * Every route the app registers, in the order the document lists them: the source of
 * `GET /openapi.json`, and the list tests walk to reach every route.
 */
export const routeTable: readonly RouteDefinition[] = [
  ...routeCatalogue.map((spec) => byKey.get(key(spec)) ?? fromCatalogue(spec)),
  ...registered.filter((route) => !catalogued.has(key(route))),
];
