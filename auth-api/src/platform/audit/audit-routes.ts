import { auditQuery } from '@wirefleet/shared/schemas';
import { decodeCursor, page } from '../http/pagination.js';
import { type RouteDefinition, routeDefiner, } from '../http/routes/index.js';
import { auditEventPage } from '../../openapi/responses/identity.js';
import type { AuditLog } from './audit-log.js';

const route = routeDefiner<AuditLog>();

export const auditRouteDefinitions: readonly RouteDefinition<AuditLog>[] = [
  route({
    method: 'get',
    path: '/v1/audit-events',
    operationId: 'listAuditEvents',
    summary: 'Read the audit log, optionally by type and since a time',
    tags: ['audit'],
    auth: 'admin',
    request: { query: auditQuery },
    responses: { 200: { description: 'A page of audit events, newest first.', schema: auditEventPage } },
    errors: [],
    async handler({ query, res, deps: audit }) {
      const items = await audit.list({
        type: query.type,
        since: query.since,
        afterId: decodeCursor(query.cursor),
        limit: query.limit,
      });
      res.json(page(items, query.limit));
    },
  }),
];
