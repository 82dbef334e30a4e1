export { buildOpenApiDocument, type OpenApiDocument, type OpenApiOptions } from './build-document.js';
export { openApiRouteDefinitions, openApiRouteDeps } from './openapi-routes.js';
