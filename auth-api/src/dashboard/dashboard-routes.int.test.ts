import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAuthApi, type TestAuthApi } from '../../../test/support/auth-api.js';

const GATEWAY = 'ws://gateway.example.test:9443/ws';
const ALLOWED = 'https://dashboard.example.test';

/** A stand-in for the Vite build: the two pages with the gateway placeholder, one hashed asset. */
function fakeBuild(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wf-web-'));
  const page = (title: string) => `<!doctype html><head><meta name="wirefleet-gateway" content=""><title>${title}</title></head><body><script type="module" src="/assets/app-abc123.js"></script></body>`;
  fs.mkdirSync(path.join(dir, 'assets'));
  fs.mkdirSync(path.join(dir, 'docs'));
  fs.writeFileSync(path.join(dir, 'index.html'), page('app'));
  fs.writeFileSync(path.join(dir, 'docs', 'index.html'), page('docs'));
  fs.writeFileSync(path.join(dir, 'assets', 'app-abc123.js'), 'export {};');
  return dir;
}

describe('the auth-api serves the dashboard', () => {
  let service: TestAuthApi;
  let dir: string;
  beforeAll(async () => {
    dir = fakeBuild();
    service = await startTestAuthApi({ redis: false, env: { DASHBOARD_DIR: dir, GATEWAY_PUBLIC_URL: GATEWAY, CORS_ORIGINS: ALLOWED } });
  });
  afterAll(async () => {
    await service?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const get = (route: string, headers: Record<string, string> = {}) => fetch(`${service.url}${route}`, { headers });

  it('/ is the app page, revalidated on every load, with the gateway URL filled in', async () => {
    const response = await get('/');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(await response.text()).toContain(`<meta name="wirefleet-gateway" content="${GATEWAY}">`);
  });

  it('its CSP allows same-origin scripts only (nothing inline) and sockets to the gateway’s origin', async () => {
    const csp = (await get('/')).headers.get('content-security-policy')!;
    const directives = Object.fromEntries(csp.split(';').map((part) => { const [name, ...values] = part.trim().split(/\s+/); return [name, values]; }));
    expect(directives['script-src']).toEqual(["'self'"]);
    expect(directives['connect-src']).toEqual(["'self'", 'ws://gateway.example.test:9443']);
    // An http deployment must not have its ws:// gateway upgraded to a wss:// nobody answers.
    expect(directives).not.toHaveProperty('upgrade-insecure-requests');
  });

  it('client routes get the app page; hashed assets are immutable; /docs is the API reference page', async () => {
    expect(await (await get('/nodes/42')).text()).toContain('<title>app</title>');
    expect(await (await get('/audit')).text()).toContain('<title>app</title>');
    const asset = await get('/assets/app-abc123.js');
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const docs = await get('/docs');
    expect(docs.headers.get('cache-control')).toBe('no-cache');
    expect(await docs.text()).toContain('<title>docs</title>');
  });

  it('API and ops paths keep their answers: unknown /v1 routes and missing assets are 404 problem JSON', async () => {
    for (const route of ['/v1/nope', '/v1', '/.well-known/nope', '/assets/missing-0000.js']) {
      const response = await get(route, { accept: 'text/html' });
      expect(response.status, route).toBe(404);
      expect(response.headers.get('content-type'), route).toMatch(/^application\/problem\+json/);
    }
    expect((await get('/v1/nodes', { accept: 'text/html' })).status).toBe(401);
    expect((await get('/healthz')).headers.get('content-type')).toMatch(/json/);
    expect((await get('/openapi.json')).headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('CORS_ORIGINS: a listed origin gets CORS headers on preflight and request; any other gets none', async () => {
    const preflight = (origin: string) =>
      fetch(`${service.url}/v1/nodes`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' } });
    const allowed = await preflight(ALLOWED);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(allowed.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
    const other = await preflight('https://evil.example.test');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    expect(other.headers.get('access-control-allow-methods')).toBeNull();
    const request = await get('/healthz', { origin: ALLOWED });
    expect(request.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect((await get('/healthz', { origin: 'https://evil.example.test' })).headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('before the dashboard is built', () => {
  it('/ is a 404 problem, like any unknown path', async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'wf-web-empty-'));
    const service = await startTestAuthApi({ redis: false, env: { DASHBOARD_DIR: empty } });
    try {
      const response = await fetch(`${service.url}/`);
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    } finally {
      await service.close();
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });
});
