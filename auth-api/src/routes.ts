import { subsystemLogger } from '@wirefleet/shared/logging';
import type { AuthApiContext } from './context.js';
import { agentReleaseRouteDefinitions } from './fleet/agent-releases/agent-release-routes.js';
import { agentUpdateRouteDefinitions } from './fleet/agent-updates/agent-update-routes.js';
import { commandRouteDefinitions } from './fleet/commands/command-routes.js';
import { deviceRouteDefinitions } from './fleet/devices/device-routes.js';
import { enrollmentRouteDefinitions } from './fleet/enrollment/enrollment-routes.js';
import { nodeRouteDefinitions } from './fleet/nodes/node-routes.js';
import { policyRouteDefinitions } from './fleet/policy/policy-routes.js';
import { portForwardRouteDefinitions } from './fleet/port-forwards/port-forward-routes.js';
import { authRouteDefinitions } from './identity/auth/index.js';
import { oidcRouteDefinitions } from './identity/oidc/index.js';
import { userRouteDefinitions } from './identity/users/index.js';
import { openApiRouteDefinitions, openApiRouteDeps } from './openapi/index.js';
import { auditRouteDefinitions } from './platform/audit/index.js';
import type { RouteDefinition, RouteGroup } from './platform/http/routes/index.js';
import { routeGroup } from './platform/http/routes/index.js';
import { opsRouteDefinitions, opsRouteDeps } from './platform/ops/index.js';

/**
 * Every routes file of the auth-api, in the order the app mounts them and the OpenAPI document
 * lists them, each with the parts of the context its handlers use. A route added to a routes
 * file needs nothing else; a new routes file is one line here. `openapi-coverage.int.test.ts`
 * fails if the app serves a route that is not listed.
 */
export const routeGroups: readonly RouteGroup<AuthApiContext>[] = [
  routeGroup(opsRouteDefinitions, (ctx) =>
    opsRouteDeps(ctx.readiness, ctx.metrics, subsystemLogger(ctx.logger, 'readiness')),
  ),
  routeGroup(openApiRouteDefinitions, () => openApiRouteDeps(routeTable)),
  routeGroup(authRouteDefinitions, (ctx) => ({
    ...{ login: ctx.login, sessions: ctx.sessions, totp: ctx.totp },
    ...{ users: ctx.users, keyring: ctx.keyring, auth: ctx.auth },
  })),
  routeGroup(oidcRouteDefinitions, (ctx) => ({ oidc: ctx.oidc.service, admin: ctx.oidc.admin })),
  routeGroup(userRouteDefinitions, (ctx) => ({ users: ctx.users, service: ctx.userService, auth: ctx.auth })),
  routeGroup(auditRouteDefinitions, (ctx) => ctx.audit),
  routeGroup(enrollmentRouteDefinitions, (ctx) => ({
    fleet: { db: ctx.db, audit: ctx.audit },
    keys: ctx.fleet.keys,
    enroll: ctx.fleet.enroll,
  })),
  routeGroup(nodeRouteDefinitions, (ctx) => ({
    fleet: { db: ctx.db, network: ctx.fleet.network, keyring: ctx.keyring },
    nodes: ctx.fleet.nodes,
  })),
  routeGroup(deviceRouteDefinitions, (ctx) => ctx.fleet.devices),
  routeGroup(portForwardRouteDefinitions, (ctx) => ctx.fleet.forwards),
  routeGroup(commandRouteDefinitions, (ctx) => ctx.fleet.commands),
  routeGroup(policyRouteDefinitions, (ctx) => ctx.fleet.policy),
  routeGroup(agentReleaseRouteDefinitions, (ctx) => ({
    releases: ctx.fleet.releases,
    publicUrl: ctx.config.publicUrl,
  })),
  routeGroup(agentUpdateRouteDefinitions, (ctx) => ctx.fleet.agentUpdates),
];

/** Every route the app registers: the source of `GET /openapi.json`, and the list tests walk. */
export const routeTable: readonly RouteDefinition[] = routeGroups.flatMap((group) => group.definitions);
