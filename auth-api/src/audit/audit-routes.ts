import { auditQuery } from '@wirefleet/shared/schemas';
import { Router } from 'express';
import type { Authenticator } from '../http/authenticate.js';
import { decodeCursor, page } from '../http/pagination.js';
import { parseQuery } from '../http/validate.js';
import type { AuditLog } from './audit-log.js';

export function auditRoutes(audit: AuditLog, auth: Authenticator): Router {
  const router = Router();
  router.get('/v1/audit-events', auth.require('admin'), async (req, res) => {
    const query = parseQuery(auditQuery, req);
    const items = await audit.list({
      type: query.type,
      since: query.since,
      afterId: decodeCursor(query.cursor),
      limit: query.limit,
    });
    res.json(page(items, query.limit));
  });
  return router;
}
