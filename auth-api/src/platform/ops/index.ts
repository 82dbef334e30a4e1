export { AuthApiMetrics } from './metrics.js';
export { opsRoutes, type ReadinessCheck } from './ops-routes.js';
