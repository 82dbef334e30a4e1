import { auditRouteDefinitions } from '../platform/audit/audit-routes.js';
import { commandRouteDefinitions } from '../fleet/commands/command-routes.js';
import { deviceRouteDefinitions } from '../fleet/devices/device-routes.js';
import { enrollmentRouteDefinitions } from '../fleet/enrollment/enrollment-routes.js';
import { nodeRouteDefinitions } from '../fleet/nodes/node-routes.js';
import { portForwardRouteDefinitions } from '../fleet/port-forwards/port-forward-routes.js';
import type { RouteDefinition } from '../platform/http/routes/route-definition.js';
import { authRouteDefinitions } from '../identity/auth/auth-routes.js';
import { userRouteDefinitions } from '../identity/users/user-routes.js';
import { opsRouteDefinitions } from '../platform/ops/ops-routes.js';
import { openApiRouteDefinitions } from './openapi-routes.js';

/**
 * Every route the app registers, in the order the document lists them: the source of
 * `GET /openapi.json`, and the list tests walk to reach every route. A router mounted in
 * `app.ts` but missing here fails `openapi-coverage.int.test.ts`, which reads the app's router.
 */
export const routeTable: readonly RouteDefinition[] = [
  ...opsRouteDefinitions,
  ...openApiRouteDefinitions,
  ...authRouteDefinitions,
  ...userRouteDefinitions,
  ...auditRouteDefinitions,
  ...enrollmentRouteDefinitions,
  ...nodeRouteDefinitions,
  ...deviceRouteDefinitions,
  ...portForwardRouteDefinitions,
  ...commandRouteDefinitions,
];
