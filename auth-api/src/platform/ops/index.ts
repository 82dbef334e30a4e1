export { AuthApiMetrics } from './metrics.js';
export { opsRouteDefinitions, opsRouteDeps, type ReadinessCheck } from './ops-routes.js';
