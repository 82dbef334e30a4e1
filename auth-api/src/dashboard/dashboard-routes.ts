import fs from 'node:fs/promises';
import path from 'node:path';
import express, { type NextFunction, type Request, type Response, Router } from 'express';

/** Hashed file names change with their content, so a browser may keep them for good. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** The HTML names the current hashed files: always revalidate it. */
const REVALIDATE = 'no-cache';

/** Paths that belong to the API and the ops endpoints: never answered with the app's HTML. */
const API_PATH = /^\/(?:v1(?:\/|$)|\.well-known\/|openapi\.json$|healthz$|readyz$|metrics$)/;

export interface DashboardOptions {
  /** The built app: `index.html`, `assets/`, `docs/index.html`. */
  dir: string;
  /** Handed to the app in a `<meta>` tag, so it needs no request before opening its socket. */
  gatewayPublicUrl: string;
}

const escapeAttribute = (value: string): string =>
  value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Fills the `<meta name="wirefleet-gateway">` placeholder the build leaves in each page. */
export function injectGatewayUrl(html: string, gatewayPublicUrl: string): string {
  return html.replace(
    /<meta name="wirefleet-gateway" content="[^"]*"\s*\/?>/,
    `<meta name="wirefleet-gateway" content="${escapeAttribute(gatewayPublicUrl)}">`,
  );
}

/** True for a GET/HEAD that a browser navigating inside the app sends (no file extension, not the API). */
export function isAppRoute(req: Request): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  if (API_PATH.test(req.path)) return false;
  return path.posix.extname(req.path) === '';
}

/**
 * Serves the built dashboard: hashed assets with a year-long cache, the pages with `no-cache`,
 * `/docs` as the API reference page and every other extension-less path as the app (its router
 * decides what to show). API paths fall through to the routes after this one, so an unknown
 * `/v1/...` stays a 404 problem. Before a build, app paths fall through as well.
 */
export function dashboardRoutes(options: DashboardOptions): Router {
  const router = Router();
  const page = async (file: string, res: Response, next: NextFunction) => {
    let html: string;
    try {
      html = await fs.readFile(path.join(options.dir, file), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return next();
      return next(error);
    }
    res.setHeader('Cache-Control', REVALIDATE);
    res.type('html').send(injectGatewayUrl(html, options.gatewayPublicUrl));
  };
  router.use(
    '/assets',
    express.static(path.join(options.dir, 'assets'), {
      index: false,
      fallthrough: true,
      setHeaders: (res) => res.setHeader('Cache-Control', IMMUTABLE),
    }),
  );
  router.get(['/docs', '/docs/'], (_req, res, next) => void page('docs/index.html', res, next));
  router.use(express.static(options.dir, { index: false, fallthrough: true, maxAge: '1h' }));
  router.use((req, res, next) => {
    if (!isAppRoute(req)) return next();
    void page('index.html', res, next);
  });
  return router;
}
