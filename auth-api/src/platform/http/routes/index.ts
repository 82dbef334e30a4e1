export {
  checkResponses,
  RESPONSE_VIOLATION_MESSAGE,
  responseChecksEnabled,
  responseViolation,
} from './response-check.js';
export {
  type HttpMethod,
  type RequestSchemas,
  type ResponseSpec,
  type RouteAuth,
  type RouteCall,
  type RouteDefinition,
  routeDefiner,
  type SuccessStatus,
} from './route-definition.js';
export { expressPath, routeChain, routerFor } from './route-router.js';
export { type MatchedRoute, type RouteGroup, routeGroup } from './route-group.js';
