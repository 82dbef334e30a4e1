import { PROBLEM_CONTENT_TYPE, toProblem, WirefleetError } from '@wirefleet/shared/errors';
import {
  isReady,
  probeReadiness,
  publicChecks,
  type ReadinessCheck,
  ReadinessLog,
} from '@wirefleet/shared/health';
import type { Logger } from '@wirefleet/shared/logging';
import { z } from 'zod';
import { REQUEST_LOG_LEVEL } from '../http/request-log.js';
import { type RouteDefinition, routeDefiner, } from '../http/routes/index.js';
import { health, readiness } from '../../openapi/responses/identity.js';
import type { AuthApiMetrics } from './metrics.js';

export type { ReadinessCheck } from '@wirefleet/shared/health';

export interface OpsRouteDeps {
  checks: Record<string, ReadinessCheck>;
  metrics: AuthApiMetrics;
  readinessLog: ReadinessLog;
}

const route = routeDefiner<OpsRouteDeps>();

export const opsRouteDefinitions: readonly RouteDefinition<OpsRouteDeps>[] = [
  route({
    method: 'get',
    path: '/healthz',
    operationId: 'getHealth',
    summary: 'Liveness: the process answers',
    tags: ['ops'],
    auth: 'none',
    responses: { 200: { description: 'Alive.', schema: health } },
    errors: [],
    handler({ res }) {
      res.json({ status: 'ok' });
    },
  }),
  route({
    method: 'get',
    path: '/readyz',
    operationId: 'getReadiness',
    summary: 'Readiness: the database and Redis answer',
    description: 'The 503 problem body also carries `checks`, the state of each dependency.',
    tags: ['ops'],
    auth: 'none',
    responses: { 200: { description: 'Ready.', schema: readiness } },
    errors: ['not_ready'],
    async handler({ res, deps }) {
      const outcomes = await probeReadiness(deps.checks);
      deps.readinessLog.record(outcomes);
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
    },
  }),
  route({
    method: 'get',
    path: '/metrics',
    operationId: 'getMetrics',
    summary: 'Prometheus metrics',
    tags: ['ops'],
    auth: 'none',
    responses: {
      200: {
        description: 'Prometheus text exposition format.',
        contentType: 'text/plain',
        schema: z.string(),
      },
    },
    errors: [],
    async handler({ res, deps }) {
      res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
    },
  }),
];

/**
 * `/healthz` (the process is alive), `/readyz` (its dependencies answer) and `/metrics`.
 * Readiness changes are logged by `ReadinessLog`, once per change; the probes themselves only
 * at debug.
 */
export function opsRouteDeps(
  checks: Record<string, ReadinessCheck>,
  metrics: AuthApiMetrics,
  logger: Logger,
): OpsRouteDeps {
  return { checks, metrics, readinessLog: new ReadinessLog(logger) };
}
