import type { HttpResponse, TemplatedApp } from 'uWebSockets.js';
import type { GatewayMetrics } from './metrics.js';

/** Answers an async route; uWS forbids touching `res` after the client went away. */
function respondLater(res: HttpResponse, work: () => Promise<{ status: string; type: string; body: string }>): void {
  let aborted = false;
  res.onAborted(() => {
    aborted = true;
  });
  work().then(
    (answer) => {
      if (aborted) return;
      res.cork(() => res.writeStatus(answer.status).writeHeader('content-type', answer.type).end(answer.body));
    },
    () => {
      if (aborted) return;
      res.cork(() => res.writeStatus('500 Internal Server Error').end());
    },
  );
}

/** `/healthz`, `/readyz` (the Bus answers), `/metrics`, and 404 for anything else. */
export function registerHttpRoutes(app: TemplatedApp, metrics: GatewayMetrics, ready: () => Promise<boolean>): void {
  app.get('/healthz', (res) => {
    res.writeHeader('content-type', 'application/json').end('{"status":"ok"}');
  });
  app.get('/readyz', (res) => {
    respondLater(res, async () => {
      const ok = await Promise.race([
        ready().catch(() => false),
        new Promise<boolean>((resolve) => setTimeout(resolve, 2_000, false).unref()),
      ]);
      return ok
        ? { status: '200 OK', type: 'application/json', body: '{"status":"ready","checks":{"bus":"ok"}}' }
        : {
            status: '503 Service Unavailable',
            type: 'application/problem+json',
            body: JSON.stringify({
              type: 'https://wirefleet.dev/problems/not_ready',
              title: 'A dependency is unavailable',
              status: 503,
              code: 'not_ready',
              checks: { bus: 'unavailable' },
            }),
          };
    });
  });
  app.get('/metrics', (res) => {
    respondLater(res, async () => ({ status: '200 OK', type: metrics.registry.contentType, body: await metrics.registry.metrics() }));
  });
  app.any('/*', (res) => {
    res
      .writeStatus('404 Not Found')
      .writeHeader('content-type', 'application/problem+json')
      .end('{"type":"https://wirefleet.dev/problems/not_found","title":"Not found","status":404,"code":"not_found"}');
  });
}
