import { WirefleetError } from '@wirefleet/shared/errors';
import { createEnrollmentKeyRequest, enrollRequest, listQuery } from '@wirefleet/shared/schemas';
import { Router } from 'express';
import { z } from 'zod';
import { clientIp } from '../../http/client-ip.js';
import { type Authenticator, claimsOf } from '../../http/authenticate.js';
import { parseBody, parseParams, parseQuery } from '../../http/validate.js';
import type { FleetDeps } from '../fleet-deps.js';
import type { EnrollService } from './enroll-service.js';
import type { EnrollmentKeyStore } from './enrollment-key-store.js';

const keyIdParams = z.object({ id: z.uuid() });

/** The key id a list cursor carries; any other cursor is a 400, as on the other lists (http/pagination.ts). */
function decodeKeyCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString();
  if (!z.uuid().safeParse(id).success) {
    throw new WirefleetError('invalid_request', { errors: [{ path: 'cursor', message: 'unknown cursor' }] });
  }
  return id;
}

export function enrollmentRoutes(deps: FleetDeps, keys: EnrollmentKeyStore, enroll: EnrollService, auth: Authenticator): Router {
  const router = Router();
  const admin = auth.require('admin');

  router.post('/v1/enrollment-keys', admin, async (req, res) => {
    const body = parseBody(createEnrollmentKeyRequest, req);
    const actor = claimsOf(req).sub;
    const created = await deps.db.transaction(async (trx) => {
      const key = await keys.create(body, actor, trx);
      await deps.audit.record(
        { type: 'enrollment_key.created', actor, subject: `enrollment_key:${key.id}`, ip: clientIp(req), data: { reusable: key.reusable, max_uses: key.max_uses, tags: key.tags } },
        trx,
      );
      return key;
    });
    res.setHeader('Cache-Control', 'no-store');
    res.status(201).json(created);
  });

  router.get('/v1/enrollment-keys', admin, async (req, res) => {
    const query = parseQuery(listQuery, req);
    const items = await keys.list(query.cursor ? decodeKeyCursor(query.cursor) : undefined, query.limit);
    const last = items[items.length - 1];
    res.json(items.length === query.limit && last ? { items, next_cursor: Buffer.from(last.id).toString('base64url') } : { items });
  });

  router.delete('/v1/enrollment-keys/:id', admin, async (req, res) => {
    const { id } = parseParams(keyIdParams, req);
    const actor = claimsOf(req).sub;
    const revoked = await deps.db.transaction(async (trx) => {
      const key = await keys.revoke(id, trx);
      if (key) await deps.audit.record({ type: 'enrollment_key.revoked', actor, subject: `enrollment_key:${id}`, ip: clientIp(req) }, trx);
      return key;
    });
    if (!revoked) throw new WirefleetError('not_found');
    res.status(204).end();
  });

  router.post('/v1/nodes/enroll', async (req, res) => {
    const body = parseBody(enrollRequest, req);
    res.setHeader('Cache-Control', 'no-store');
    res.status(201).json(await enroll.enroll(body, clientIp(req)));
  });

  return router;
}
