import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { ErrorRequestHandler, Express, Request, RequestHandler, Response } from 'express';
import { expressPath, type MatchedRoute } from './routes/index.js';

/** What runs around the fast routes: the app's own middleware, in the app's order. */
export interface FastRouteOptions {
  /** Everything the app runs before its body parser (security headers, log, metrics, CORS). */
  front: readonly RequestHandler[];
  /** Everything the app runs between the body parser and its routers (the test-time response check). */
  afterBody: readonly RequestHandler[];
  /** Runs when a route's chain ends without an answer, as the app's 404 would. */
  notFound: RequestHandler;
  errors: ErrorRequestHandler;
  /** The body limit of the app's parser; a larger declared body goes to Express (which answers 413). */
  bodyLimitBytes: number;
}

/** The only request bodies taken off Express's hands: UTF-8 JSON, plainly framed. */
const PLAIN_JSON = /^application\/json\s*(;\s*charset="?utf-8"?\s*)?$/i;
const DIGITS = /^\d+$/;

/**
 * A body the fast route may read itself: JSON in UTF-8, with a Content-Length within the limit,
 * not chunked, not encoded. Anything else (an empty body, a charset, gzip, a missing length)
 * is Express's to answer, untouched, so its refusals stay the ones the contract describes.
 */
function isPlainJson(req: IncomingMessage, limit: number): boolean {
  const { headers } = req;
  const length = headers['content-length'];
  if (length === undefined || !DIGITS.test(length)) return false;
  const bytes = Number(length);
  if (bytes === 0 || bytes > limit) return false;
  if (headers['transfer-encoding'] !== undefined || headers['content-encoding'] !== undefined) return false;
  return PLAIN_JSON.test(headers['content-type'] ?? '');
}

/** A failure that the error handler maps as it maps body-parser's (`entity.parse.failed` → 400). */
function malformedJson(cause: unknown): Error {
  return Object.assign(new Error('malformed JSON', { cause }), { type: 'entity.parse.failed', status: 400 });
}

/**
 * Parses a body as express.json({strict: true}) does: a byte-order mark is dropped, and only an
 * object or an array is accepted.
 */
export function parseStrictJson(text: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  // trimStart skips more than JSON's whitespace, but JSON.parse refuses what it skips extra.
  const first = body.trimStart()[0];
  if (first !== '{' && first !== '[') throw malformedJson(undefined);
  try {
    return JSON.parse(body);
  } catch (error) {
    throw malformedJson(error);
  }
}

/** Reads the (plain, bounded) body into `req.body`; an aborted request is never answered. */
const readJsonBody: RequestHandler = (req, _res, next) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('error', next);
  req.on('end', () => {
    try {
      req.body = parseStrictJson(Buffer.concat(chunks).toString('utf8'));
    } catch (error) {
      next(error);
      return;
    }
    next();
  });
};

/** Runs `handlers` as Express runs middleware: `next(error)`, a throw or a rejection go to `errors`. */
function runChain(
  handlers: readonly RequestHandler[],
  errors: ErrorRequestHandler,
  req: Request,
  res: Response,
): void {
  let index = 0;
  let failed = false;
  const next = (error?: unknown): void => {
    if (failed) return;
    if (error !== undefined && error !== null) {
      failed = true;
      errors(error, req, res, () => undefined);
      return;
    }
    const handler = handlers[index];
    index += 1;
    if (!handler) return;
    try {
      const result: unknown = handler(req, res, next);
      if (result instanceof Promise) result.catch(next);
    } catch (thrown) {
      next(thrown);
    }
  };
  next();
}

/** Makes a bare request and response the app's, as `app.handle` and the router would. */
function adopt(
  app: Express,
  req: IncomingMessage,
  res: ServerResponse,
): { request: Request; response: Response } {
  const request = Object.setPrototypeOf(req, app.request) as Request;
  const response = Object.setPrototypeOf(res, app.response) as Response;
  request.res = response;
  response.req = request;
  response.locals = Object.create(null) as Response['locals'];
  Object.assign(request, { originalUrl: req.url, baseUrl: '', params: {} });
  return { request, response };
}

/** Where the route counts as matched: the metrics label by `req.route.path`, as the router sets it. */
function enterRoute(path: string): RequestHandler {
  const route = { path: expressPath(path) };
  return (req, _res, next) => {
    Object.assign(req, { route });
    next();
  };
}

/**
 * The server's request listener: the routes marked `fast` are served here when a request is a
 * plain JSON POST to exactly their path, everything else goes to the Express app. A fast route
 * runs the app's own middleware and the route's own chain (`routeChain`: validation, limits,
 * handler) on the app's request and response prototypes, so its headers, log line, metrics,
 * problem bodies and test-time schema check are the app's; what it skips is the router's walk
 * past every other route and the general body parser.
 */
export function fastRoutes(
  app: Express,
  routes: readonly MatchedRoute[],
  options: FastRouteOptions,
): RequestListener {
  const chains = new Map<string, RequestHandler[]>();
  for (const { route, handlers } of routes) {
    if (route.method !== 'post' || route.path.includes('{'))
      throw new Error(`${route.path}: only fixed POST paths can be fast`);
    chains.set(route.path, [
      ...options.front,
      readJsonBody,
      ...options.afterBody,
      enterRoute(route.path),
      ...handlers,
      options.notFound,
    ]);
  }
  return (req, res) => {
    const chain = req.method === 'POST' ? chains.get(req.url ?? '') : undefined;
    if (!chain || !isPlainJson(req, options.bodyLimitBytes)) {
      app(req, res);
      return;
    }
    const { request, response } = adopt(app, req, res);
    runChain(chain, options.errors, request, response);
  };
}
