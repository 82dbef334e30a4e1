import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startTestAuthApi, type TestAuthApi } from '../../../test/support/auth-api.js';
import { buildApp } from '../app.js';

interface Operation {
  security: unknown[];
  parameters?: Array<{ name: string; in: string; schema: { format?: string } }>;
}
interface Document {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
}

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** Every `method path` the Express app serves, read from its router (mounted routers included). */
function servedRoutes(stack: Layer[]): string[] {
  return stack.flatMap((layer) => {
    if (layer.route) {
      const path = layer.route.path.replace(/:(\w+)/g, '{$1}');
      return Object.keys(layer.route.methods).map((method) => `${method} ${path}`);
    }
    return layer.handle?.stack ? servedRoutes(layer.handle.stack) : [];
  });
}

/**
 * Keeps `GET /openapi.json` and the running API in step, both ways: every documented route
 * answers (it is not the catch-all 404), and every route the app serves is documented.
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

  it('every route the app serves is documented, and nothing else is', () => {
    const app = buildApp(t.api.context) as unknown as { router: { stack: Layer[] } };
    const served = servedRoutes(app.router.stack).sort();
    expect(served.length).toBeGreaterThan(0);
    const documentedRoutes = documented()
      .map(({ path, method }) => `${method} ${path}`)
      .sort();
    expect(served, 'register routes with routerFor and list their file in routes.ts').toEqual(
      documentedRoutes,
    );
  });
});
