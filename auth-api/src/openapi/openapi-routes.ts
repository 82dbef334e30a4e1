import fs from 'node:fs';
import { Router } from 'express';
import type { RouteDefinition } from '../http/routes/route-definition.js';
import { buildOpenApiDocument, type OpenApiOptions } from './build-document.js';

/** The auth-api package version; `../../package.json` is the same file from `src/` and `dist/`. */
function packageVersion(): string {
  const manifest = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version?: unknown;
  };
  return typeof manifest.version === 'string' ? manifest.version : '0.0.0';
}

/**
 * `GET /openapi.json`: public, like the JWKS, since it documents nothing a client could not
 * learn by calling the API. Generated from `routes` on first request and cached; the body is
 * serialised once.
 */
export function openApiRoutes(
  routes: readonly RouteDefinition[],
  options: Partial<OpenApiOptions> = {},
): Router {
  const router = Router();
  let body: string | undefined;
  router.get('/openapi.json', (_req, res) => {
    body ??= JSON.stringify(
      buildOpenApiDocument(routes, {
        version: options.version ?? packageVersion(),
        serverUrl: options.serverUrl,
      }),
    );
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.type('application/json').send(body);
  });
  return router;
}
