export { oidcRouteDefinitions, type OidcRouteDeps } from './oidc-routes.js';
export { createOidc, type Oidc } from './oidc.js';
export { OidcService } from './oidc-service.js';
export { OidcAdmin } from './oidc-admin.js';
export type { OidcConfig, OidcProviderSettings } from './oidc-settings.js';
