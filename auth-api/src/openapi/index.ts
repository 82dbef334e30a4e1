export { buildOpenApiDocument, type OpenApiDocument, type OpenApiOptions } from './build-document.js';
export { openApiRoutes } from './openapi-routes.js';
export { routeTable } from './route-table.js';
