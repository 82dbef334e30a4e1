import {
  isReady,
  probeReadiness,
  publicChecks,
  type ReadinessCheck,
  ReadinessLog,
} from '@wirefleet/shared/health';
import type { Bus } from '@wirefleet/shared/bus';
import type { Logger } from '@wirefleet/shared/logging';
import type { KeySet } from '@wirefleet/shared/tokens';
import type { HttpResponse, TemplatedApp } from 'uWebSockets.js';
import type { GatewayMetrics } from './metrics.js';
import { CLOSE, writeProblem } from './problem-response.js';

/** How an async route answers, once its work is done. */
type Answer = (res: HttpResponse) => void;

const ok =
  (type: string, body: string): Answer =>
  (res) =>
    res.writeStatus('200 OK').writeHeader('content-type', type).end(body, CLOSE);

/** Answers an async route; uWS forbids touching `res` after the client went away. */
function respondLater(res: HttpResponse, work: () => Promise<Answer>): void {
  let aborted = false;
  res.onAborted(() => {
    aborted = true;
  });
  work().then(
    (answer) => {
      if (!aborted) res.cork(() => answer(res));
    },
    () => {
      if (!aborted) res.cork(() => writeProblem(res, 'internal_error'));
    },
  );
}

/** What the gateway needs to serve: the Bus answers, and token signing keys are loaded. */
function readinessChecks(dependencies: { bus: Bus; keySet: KeySet }): Record<string, ReadinessCheck> {
  return {
    bus: () => dependencies.bus.ping(),
    keys: async () => {
      if (dependencies.keySet.hasKeys?.() === false)
        throw new Error('no token signing keys loaded yet (AUTH_JWKS_URL)');
      return true;
    },
  };
}

/**
 * `/healthz`, `/readyz` (the Bus and the signing keys), `/metrics`, and 404 for anything else.
 * Readiness changes are logged once per change, never per probe.
 */
export function registerHttpRoutes(
  app: TemplatedApp,
  metrics: GatewayMetrics,
  dependencies: { bus: Bus; keySet: KeySet },
  logger: Logger,
): void {
  const checks = readinessChecks(dependencies);
  metrics.watchReadiness(checks);
  const readinessLog = new ReadinessLog(logger);
  app.get('/healthz', (res) => {
    res.writeHeader('content-type', 'application/json').end('{"status":"ok"}', CLOSE);
  });
  app.get('/readyz', (res) => {
    respondLater(res, async () => {
      const outcomes = await probeReadiness(checks);
      readinessLog.record(outcomes);
      const summary = publicChecks(outcomes);
      return isReady(outcomes)
        ? ok('application/json', JSON.stringify({ status: 'ready', checks: summary }))
        : (res) => writeProblem(res, 'not_ready', undefined, { checks: summary });
    });
  });
  app.get('/metrics', (res) => {
    respondLater(res, async () => ok(metrics.registry.contentType, await metrics.registry.metrics()));
  });
  app.any('/*', (res) => {
    writeProblem(res, 'not_found');
  });
}
