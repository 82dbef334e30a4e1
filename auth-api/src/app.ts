import type { RequestListener } from 'node:http';
import express, { type Express, type RequestHandler } from 'express';
import { subsystemLogger } from '@wirefleet/shared/logging';
import type { AuthApiContext } from './context.js';
import { dashboardRoutes, helmetOptions } from './dashboard/index.js';
import { cors } from './platform/http/cors.js';
import { errorHandler, notFoundHandler } from './platform/http/error-handler.js';
import { fastRoutes } from './platform/http/fast-routes.js';
import { checkResponses, responseChecksEnabled } from './platform/http/routes/index.js';
import { requestLog } from './platform/http/request-log.js';
import { securityHeaders } from './platform/http/security-headers.js';
import { rejectMalformedPath } from './platform/http/validate.js';
import { routeGroups } from './routes.js';

/** Contract limit for every request body; larger ones get 413. */
const BODY_LIMIT_BYTES = 64 * 1024;

/** Request count and duration by route, recorded when the answer is finished. */
function httpMetrics(ctx: AuthApiContext): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path ?? 'unmatched';
      ctx.metrics.httpRequests.inc({ method: req.method, route, status: String(res.statusCode) });
      ctx.metrics.httpDuration.observe(
        { method: req.method, route },
        Number(process.hrtime.bigint() - started) / 1e9,
      );
    });
    next();
  };
}

/** The middleware every request passes, built once and shared by the app and the fast routes. */
function commonMiddleware(ctx: AuthApiContext) {
  const headers = helmetOptions({
    publicUrl: ctx.config.publicUrl,
    gatewayPublicUrl: ctx.config.fleet.gatewayPublicUrl,
  });
  const front: RequestHandler[] = [
    securityHeaders(headers),
    requestLog(subsystemLogger(ctx.logger, 'http')),
    httpMetrics(ctx),
    cors(ctx.config.corsOrigins),
  ];
  // Under test, every answer of a registered route is checked against its declared schemas.
  const afterBody = responseChecksEnabled()
    ? [checkResponses(subsystemLogger(ctx.logger, 'response-check'))]
    : [];
  return { front, afterBody, errors: errorHandler(subsystemLogger(ctx.logger, 'errors')) };
}

function assembleApp(ctx: AuthApiContext, common: ReturnType<typeof commonMiddleware>): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', ctx.config.trustProxy);
  app.use(...common.front);
  // Bodies come uncompressed (identity): another Content-Encoding is a 415 rather than a zlib
  // error, and nothing is ever inflated.
  app.use(express.json({ limit: BODY_LIMIT_BYTES, strict: true, inflate: false }));
  app.use(rejectMalformedPath);
  if (common.afterBody.length > 0) app.use(...common.afterBody);

  for (const group of routeGroups) app.use(group.router(ctx, ctx.auth));
  // Last before the 404: the app's own paths; API paths pass through to the problem answer.
  app.use(
    dashboardRoutes({ dir: ctx.config.dashboardDir, gatewayPublicUrl: ctx.config.fleet.gatewayPublicUrl }),
  );

  app.use(notFoundHandler);
  app.use(common.errors);
  return app;
}

/** Builds the Express app from a wired context; listening is the caller's job (tests use port 0). */
export function buildApp(ctx: AuthApiContext): Express {
  return assembleApp(ctx, commonMiddleware(ctx));
}

/**
 * What the server runs: the routes marked `fast` (the refresh) in front of the Express app,
 * with the same middleware instances; every other request is the app's.
 */
export function buildRequestListener(ctx: AuthApiContext): RequestListener {
  const common = commonMiddleware(ctx);
  const app = assembleApp(ctx, common);
  const matched = routeGroups.flatMap((group) => group.fastRoutes(ctx, ctx.auth));
  return fastRoutes(app, matched, {
    front: common.front,
    afterBody: common.afterBody,
    notFound: notFoundHandler,
    errors: common.errors,
    bodyLimitBytes: BODY_LIMIT_BYTES,
  });
}
