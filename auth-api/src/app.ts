import express, { type Express } from 'express';
import { subsystemLogger } from '@wirefleet/shared/logging';
import helmet from 'helmet';
import type { AuthApiContext } from './context.js';
import { dashboardRoutes, helmetOptions } from './dashboard/index.js';
import { cors } from './platform/http/cors.js';
import { errorHandler, notFoundHandler } from './platform/http/error-handler.js';
import { checkResponses, responseChecksEnabled } from './platform/http/routes/index.js';
import { requestLog } from './platform/http/request-log.js';
import { rejectMalformedPath } from './platform/http/validate.js';
import { routeGroups } from './routes.js';

/** Contract limit for every request body; larger ones get 413. */
const BODY_LIMIT = '64kb';

/** Builds the Express app from a wired context; listening is the caller's job (tests use port 0). */
export function buildApp(ctx: AuthApiContext): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', ctx.config.trustProxy);
  app.use(
    helmet(
      helmetOptions({ publicUrl: ctx.config.publicUrl, gatewayPublicUrl: ctx.config.fleet.gatewayPublicUrl }),
    ),
  );
  app.use(requestLog(subsystemLogger(ctx.logger, 'http')));
  app.use((req, res, next) => {
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
  });
  app.use(cors(ctx.config.corsOrigins));
  // Bodies come uncompressed (identity): another Content-Encoding is a 415 rather than a zlib
  // error, and nothing is ever inflated.
  app.use(express.json({ limit: BODY_LIMIT, strict: true, inflate: false }));
  app.use(rejectMalformedPath);
  // Under test, every answer of a registered route is checked against its declared schemas.
  if (responseChecksEnabled()) app.use(checkResponses(subsystemLogger(ctx.logger, 'response-check')));

  for (const group of routeGroups) app.use(group.router(ctx, ctx.auth));
  // Last before the 404: the app's own paths; API paths pass through to the problem answer.
  app.use(
    dashboardRoutes({ dir: ctx.config.dashboardDir, gatewayPublicUrl: ctx.config.fleet.gatewayPublicUrl }),
  );

  app.use(notFoundHandler);
  app.use(errorHandler(subsystemLogger(ctx.logger, 'errors')));
  return app;
}
