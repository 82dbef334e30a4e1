import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startTestAuthApi, type TestAuthApi } from '../../../test/support/auth-api.js';
import { discoverRouteFiles, KNOWN_ROUTE_FILES, readSourceRoutes } from './route-sources.test-suite.js';

interface Operation {
  security: unknown[];
  parameters?: Array<{ name: string; in: string; schema: { format?: string } }>;
}
interface Document {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
}

/**
 * Keeps `GET /openapi.json` and the running API in step, both ways: every documented route
 * answers (it is not the catch-all 404), and every route the routers register is documented.
 */
describe('GET /openapi.json covers every route of the running API', () => {
  let t: TestAuthApi;
  let document: Document;
  beforeAll(async () => {
    t = await startTestAuthApi({ redis: false });
    const response = await call<Document>(t.url, 'GET', '/openapi.json');
    expect(response.status).toBe(200);
    document = response.body;
  });
  afterAll(async () => {
    await t.close();
  });

  const documented = () =>
    Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]) => ({ path, method, op })),
    );

  it('is served publicly as cacheable JSON', async () => {
    const response = await call(t.url, 'GET', '/openapi.json');
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.headers.get('cache-control')).toBe('public, max-age=300');
    expect(document.openapi).toBe('3.1.0');
  });

  it('every documented route exists: an anonymous call is never the "no such route" 404', async () => {
    for (const { path, method, op } of documented()) {
      // Any well-formed id will do: the route matches before anything looks the id up.
      const concrete = path.replace(/\{(\w+)\}/g, (_match, name: string) => {
        const param = op.parameters?.find((candidate) => candidate.in === 'path' && candidate.name === name);
        return param?.schema.format === 'uuid' ? randomUUID() : '1';
      });
      const response = await call(
        t.url,
        method.toUpperCase(),
        concrete,
        method === 'get' || method === 'delete' ? {} : { body: {} },
      );
      const body = response.body as { code?: string; detail?: string } | undefined;
      expect({ route: `${method} ${path}`, status: response.status, detail: body?.detail }).not.toEqual({
        route: `${method} ${path}`,
        status: 404,
        detail: 'no such route',
      });
      // A route documented as needing a token must refuse an anonymous caller.
      if (op.security.length > 0) expect(response.status, `${method} ${path}`).toBe(401);
    }
  });

  it('the source parser sees every router file and every registration in it', () => {
    const files = discoverRouteFiles();
    for (const file of KNOWN_ROUTE_FILES) expect(files).toContain(file);
    for (const file of files) {
      const { routes, registrations } = readSourceRoutes(file);
      // A route registered on a differently named router would slip past the parser.
      expect(routes.length, `${file}: routes not registered as router.<method>('...')`).toBe(registrations);
      expect(routes.length, file).toBeGreaterThan(0);
    }
  });

  it('every route registered in the routers is documented', () => {
    const registered = discoverRouteFiles().flatMap((file) => readSourceRoutes(file).routes);
    expect(registered.length).toBeGreaterThan(0);
    const missing = registered
      .filter((route) => document.paths[route.path]?.[route.method] === undefined)
      .map((route) => `${route.method.toUpperCase()} ${route.path} (${route.file})`);
    expect(missing, 'add these to auth-api/src/openapi/route-catalogue/').toEqual([]);
    // With nothing missing, equal counts mean nothing is documented that no router serves.
    expect(documented()).toHaveLength(registered.length);
  });
});
