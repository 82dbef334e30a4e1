import fs from 'node:fs';
import { z } from 'zod';
import { type RouteDefinition, routeDefiner, } from '../platform/http/routes/index.js';
import { buildOpenApiDocument, type OpenApiOptions } from './build-document.js';
import { responseRegistry } from './responses/registry.js';

/** The auth-api package version; `../../package.json` is the same file from `src/` and `dist/`. */
function packageVersion(): string {
  const manifest = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version?: unknown;
  };
  return typeof manifest.version === 'string' ? manifest.version : '0.0.0';
}

const openApiDocument = z.looseObject({});
responseRegistry.add(openApiDocument, { description: 'An OpenAPI 3.1 document.' });

export interface OpenApiRouteDeps {
  /** Built on first request and cached: the body is serialised once. */
  body(): string;
}

const route = routeDefiner<OpenApiRouteDeps>();

export const openApiRouteDefinitions: readonly RouteDefinition<OpenApiRouteDeps>[] = [
  route({
    method: 'get',
    path: '/openapi.json',
    operationId: 'getOpenApiDocument',
    summary: 'This OpenAPI 3.1 document',
    tags: ['ops'],
    auth: 'none',
    responses: {
      200: {
        description: 'The document, generated from the schemas that validate requests.',
        schema: openApiDocument,
      },
    },
    errors: [],
    handler({ res, deps }) {
      res.setHeader('Cache-Control', 'public, max-age=300');
      res.type('application/json').send(deps.body());
    },
  }),
];

/**
 * `GET /openapi.json`: public, like the JWKS, since it documents nothing a client could not
 * learn by calling the API. Generated from `routes`, the definitions the app registers.
 */
export function openApiRouteDeps(
  routes: readonly RouteDefinition[],
  options: Partial<OpenApiOptions> = {},
): OpenApiRouteDeps {
  let body: string | undefined;
  const document = () =>
    buildOpenApiDocument(routes, {
      version: options.version ?? packageVersion(),
      serverUrl: options.serverUrl,
    });
  return { body: () => (body ??= JSON.stringify(document())) };
}
