import { PROBLEM_CONTENT_TYPE, toProblem, WirefleetError } from '@wirefleet/shared/errors';
import {
  isReady,
  probeReadiness,
  publicChecks,
  type ReadinessCheck,
  ReadinessLog,
} from '@wirefleet/shared/health';
import type { Logger } from '@wirefleet/shared/logging';
import { Router } from 'express';
import { REQUEST_LOG_LEVEL } from '../http/request-log.js';
import type { AuthApiMetrics } from './metrics.js';

export type { ReadinessCheck } from '@wirefleet/shared/health';

/**
 * `/healthz` (the process is alive), `/readyz` (its dependencies answer) and `/metrics`.
 * Readiness changes are logged by `ReadinessLog`, once per change; the probes themselves only
 * at debug.
 */
export function opsRoutes(
  checks: Record<string, ReadinessCheck>,
  metrics: AuthApiMetrics,
  logger: Logger,
): Router {
  const router = Router();
  const readinessLog = new ReadinessLog(logger);
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const outcomes = await probeReadiness(checks);
    readinessLog.record(outcomes);
    res.locals[REQUEST_LOG_LEVEL] = 'debug';
    if (isReady(outcomes)) {
      res.json({ status: 'ready', checks: publicChecks(outcomes) });
      return;
    }
    const problem = toProblem(new WirefleetError('not_ready', { detail: 'a dependency is unavailable' }));
    res
      .status(503)
      .type(PROBLEM_CONTENT_TYPE)
      .send(JSON.stringify({ ...problem, checks: publicChecks(outcomes) }));
  });
  router.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  return router;
}
