import { health, readiness } from '../responses/identity.js';
import type { RouteSpec } from '../route-spec.js';

/** Routes of `ops/ops-routes.ts` and this document's own route. */
export const opsRoutes: RouteSpec[] = [
  {
    method: 'get',
    path: '/healthz',
    operationId: 'getHealth',
    summary: 'Liveness: the process answers',
    tags: ['ops'],
    auth: 'none',
    success: { status: 200, description: 'Alive.', schema: health },
    errors: [],
  },
  {
    method: 'get',
    path: '/readyz',
    operationId: 'getReadiness',
    summary: 'Readiness: the database and Redis answer',
    description: 'The 503 problem body also carries `checks`, the state of each dependency.',
    tags: ['ops'],
    auth: 'none',
    success: { status: 200, description: 'Ready.', schema: readiness },
    errors: ['not_ready'],
  },
  {
    method: 'get',
    path: '/metrics',
    operationId: 'getMetrics',
    summary: 'Prometheus metrics',
    tags: ['ops'],
    auth: 'none',
    success: {
      status: 200,
      description: 'Prometheus text exposition format.',
      contentType: 'text/plain',
      schema: { type: 'string' },
    },
    errors: [],
  },
  {
    method: 'get',
    path: '/openapi.json',
    operationId: 'getOpenApiDocument',
    summary: 'This OpenAPI 3.1 document',
    tags: ['ops'],
    auth: 'none',
    success: {
      status: 200,
      description: 'The document, generated from the schemas that validate requests.',
      schema: { type: 'object', description: 'An OpenAPI 3.1 document.' },
    },
    errors: [],
  },
];
