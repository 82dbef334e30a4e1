import { WirefleetError } from '@wirefleet/shared/errors';
import { createEnrollmentKeyRequest, enrollRequest, listQuery, uuidParams } from '@wirefleet/shared/schemas';
import { z } from 'zod';
import { claimsOf } from '../../platform/http/authenticate.js';
import { clientIp } from '../../platform/http/client-ip.js';
import { type RouteDefinition, routeDefiner, } from '../../platform/http/routes/index.js';
import { createdEnrollmentKey, enrollment, enrollmentKeyPage } from '../../openapi/responses/fleet.js';
import type { FleetWriteDeps } from '../fleet-deps.js';
import type { EnrollService } from './enroll-service.js';
import type { EnrollmentKeyStore } from './enrollment-key-store.js';

/** The key id a list cursor carries; any other cursor is a 400, as on the other lists (http/pagination.ts). */
function decodeKeyCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString();
  if (!z.uuid().safeParse(id).success) {
    throw new WirefleetError('invalid_request', { errors: [{ path: 'cursor', message: 'unknown cursor' }] });
  }
  return id;
}

interface EnrollmentRouteDeps {
  /** Key creation and revocation write here and record the audit event in the same transaction. */
  fleet: Pick<FleetWriteDeps, 'db' | 'audit'>;
  keys: EnrollmentKeyStore;
  enroll: EnrollService;
}

const route = routeDefiner<EnrollmentRouteDeps>();

export const enrollmentRouteDefinitions: readonly RouteDefinition<EnrollmentRouteDeps>[] = [
  route({
    method: 'post',
    path: '/v1/enrollment-keys',
    operationId: 'createEnrollmentKey',
    summary: 'Create an enrollment key',
    tags: ['enrollment-keys'],
    auth: 'admin',
    request: { body: createEnrollmentKeyRequest },
    responses: { 201: { description: 'The key; `key` is shown only here.', schema: createdEnrollmentKey } },
    errors: [],
    async handler({ body, req, res, deps }) {
      const actor = claimsOf(req).sub;
      const created = await deps.fleet.db.transaction(async (trx) => {
        const key = await deps.keys.create(body, actor, trx);
        await deps.fleet.audit.record(
          {
            type: 'enrollment_key.created',
            actor,
            subject: `enrollment_key:${key.id}`,
            ip: clientIp(req),
            data: { reusable: key.reusable, max_uses: key.max_uses, tags: key.tags },
          },
          trx,
        );
        return key;
      });
      res.setHeader('Cache-Control', 'no-store');
      res.status(201).json(created);
    },
  }),
  route({
    method: 'get',
    path: '/v1/enrollment-keys',
    operationId: 'listEnrollmentKeys',
    summary: 'List enrollment keys with their state (never the key)',
    tags: ['enrollment-keys'],
    auth: 'admin',
    request: { query: listQuery },
    responses: { 200: { description: 'A page of enrollment keys.', schema: enrollmentKeyPage } },
    errors: [],
    async handler({ query, res, deps }) {
      const items = await deps.keys.list(
        query.cursor ? decodeKeyCursor(query.cursor) : undefined,
        query.limit,
      );
      const last = items[items.length - 1];
      res.json(
        items.length === query.limit && last
          ? { items, next_cursor: Buffer.from(last.id).toString('base64url') }
          : { items },
      );
    },
  }),
  route({
    method: 'delete',
    path: '/v1/enrollment-keys/{id}',
    operationId: 'revokeEnrollmentKey',
    summary: 'Revoke an enrollment key',
    tags: ['enrollment-keys'],
    auth: 'admin',
    request: { params: uuidParams },
    responses: { 204: { description: 'The key is revoked.' } },
    errors: [],
    async handler({ params: { id }, req, res, deps }) {
      const actor = claimsOf(req).sub;
      const revoked = await deps.fleet.db.transaction(async (trx) => {
        const key = await deps.keys.revoke(id, trx);
        if (key) {
          await deps.fleet.audit.record(
            { type: 'enrollment_key.revoked', actor, subject: `enrollment_key:${id}`, ip: clientIp(req) },
            trx,
          );
        }
        return key;
      });
      if (!revoked) throw new WirefleetError('not_found');
      res.status(204).end();
    },
  }),
  route({
    method: 'post',
    path: '/v1/nodes/enroll',
    operationId: 'enrollNode',
    summary: 'Enroll a node with an enrollment key',
    description:
      'A one-time key is consumed atomically: of concurrent uses exactly one succeeds. Limited per IP.',
    tags: ['nodes'],
    auth: 'none',
    request: { body: enrollRequest },
    responses: { 201: { description: 'The node; `node_secret` is shown only here.', schema: enrollment } },
    errors: ['invalid_enrollment_key', 'conflict', 'network_full', 'rate_limited'],
    async handler({ body, req, res, deps }) {
      res.setHeader('Cache-Control', 'no-store');
      res.status(201).json(await deps.enroll.enroll(body, clientIp(req)));
    },
  }),
];
