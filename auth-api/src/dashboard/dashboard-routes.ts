import fs from 'node:fs/promises';
import path from 'node:path';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';

/** Hashed file names change with their content, so a browser may keep them for good. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** The HTML names the current hashed files: always revalidate it. */
const REVALIDATE = 'no-cache';
/** Unhashed files beside the pages (the icon). */
const STATIC = 'public, max-age=3600';

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
 * decides what to show). API paths fall through to the handlers after this one, so an unknown
 * `/v1/...` stays a 404 problem. Before a build, app paths fall through as well. A plain
 * handler rather than an Express Router: it registers no API route (the OpenAPI coverage test
 * reads every Router for those).
 */
export function dashboardRoutes(options: DashboardOptions): RequestHandler {
  const files = express.static(options.dir, {
    index: false,
    fallthrough: true,
    setHeaders: (res, file) => {
      const hashed = path.relative(options.dir, file).split(path.sep)[0] === 'assets';
      res.setHeader('Cache-Control', hashed ? IMMUTABLE : STATIC);
    },
  });
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
  return (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    if (req.path === '/docs' || req.path === '/docs/') return void page('docs/index.html', res, next);
    // The pages go out only with the gateway URL filled in, never as plain files.
    if (API_PATH.test(req.path) || req.path.endsWith('.html')) return next();
    files(req, res, () => (isAppRoute(req) ? void page('index.html', res, next) : next()));
  };
}
