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

/** Answers an async route; uWS forbids touching `res` after the client went away. */
/**
 * Every plain HTTP answer closes its connection. Probes and scrapers lose nothing, and no
 * keep-alive connection outlives a TLS reload, which frees the router of the server name it
 * connected by (uws/listener.ts).
 */
export const CLOSE = true;

function respondLater(
  res: HttpResponse,
  work: () => Promise<{ status: string; type: string; body: string }>,
): void {
  let aborted = false;
  res.onAborted(() => {
    aborted = true;
  });
  work().then(
    (answer) => {
      if (aborted) return;
      res.cork(() =>
        res.writeStatus(answer.status).writeHeader('content-type', answer.type).end(answer.body, CLOSE),
      );
    },
    () => {
      if (aborted) return;
      res.cork(() => res.writeStatus('500 Internal Server Error').end(undefined, CLOSE));
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
  const readinessLog = new ReadinessLog(logger);
  app.get('/healthz', (res) => {
    res.writeHeader('content-type', 'application/json').end('{"status":"ok"}', CLOSE);
  });
  app.get('/readyz', (res) => {
    respondLater(res, async () => {
      const outcomes = await probeReadiness(checks);
      readinessLog.record(outcomes);
      return isReady(outcomes)
        ? {
            status: '200 OK',
            type: 'application/json',
            body: JSON.stringify({ status: 'ready', checks: publicChecks(outcomes) }),
          }
        : {
            status: '503 Service Unavailable',
            type: 'application/problem+json',
            body: JSON.stringify({
              type: 'https://wirefleet.dev/problems/not_ready',
              title: 'A dependency is unavailable',
              status: 503,
              code: 'not_ready',
              checks: publicChecks(outcomes),
            }),
          };
    });
  });
  app.get('/metrics', (res) => {
    respondLater(res, async () => ({
      status: '200 OK',
      type: metrics.registry.contentType,
      body: await metrics.registry.metrics(),
    }));
  });
  app.any('/*', (res) => {
    res
      .writeStatus('404 Not Found')
      .writeHeader('content-type', 'application/problem+json')
      .end(
        '{"type":"https://wirefleet.dev/problems/not_found","title":"Not found","status":404,"code":"not_found"}',
        CLOSE,
      );
  });
}
