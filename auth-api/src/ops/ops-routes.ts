import { PROBLEM_CONTENT_TYPE, toProblem, WirefleetError } from '@wirefleet/shared/errors';
import { Router } from 'express';
import type { AuthApiMetrics } from './metrics.js';

export type ReadinessCheck = () => Promise<boolean>;

/** `/healthz` (the process is alive), `/readyz` (its dependencies answer) and `/metrics`. */
export function opsRoutes(checks: Record<string, ReadinessCheck>, metrics: AuthApiMetrics): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const results: Record<string, 'ok' | 'unavailable'> = {};
    await Promise.all(
      Object.entries(checks).map(async ([name, check]) => {
        const ok = await Promise.race([
          check().catch(() => false),
          new Promise<boolean>((resolve) => setTimeout(resolve, 2_000, false).unref()),
        ]);
        results[name] = ok ? 'ok' : 'unavailable';
      }),
    );
    if (Object.values(results).every((value) => value === 'ok')) {
      res.json({ status: 'ready', checks: results });
      return;
    }
    const problem = toProblem(new WirefleetError('not_ready', { detail: 'a dependency is unavailable' }));
    res.status(503).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify({ ...problem, checks: results }));
  });
  router.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  return router;
}
