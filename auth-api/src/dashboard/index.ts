export { gatewayConnectSource, helmetOptions } from './content-security-policy.js';
export { type DashboardOptions, dashboardRoutes, injectGatewayUrl, isAppRoute } from './dashboard-routes.js';
