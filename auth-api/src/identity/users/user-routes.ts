import { WirefleetError } from '@wirefleet/shared/errors';
import { createUserRequest, idParams, listQuery, patchUserRequest } from '@wirefleet/shared/schemas';
import { Router } from 'express';
import { type Authenticator, claimsOf } from '../../http/authenticate.js';
import { decodeCursor, page } from '../../http/pagination.js';
import { parseBody, parseParams, parseQuery } from '../../http/validate.js';
import { clientIp } from '../../http/client-ip.js';
import type { UserService } from './user-service.js';
import { toPublicUser, type UserStore } from './user-store.js';

export function userRoutes(deps: { users: UserStore; service: UserService; auth: Authenticator }): Router {
  const router = Router();
  const admin = deps.auth.require('admin');

  router.get('/v1/users', admin, async (req, res) => {
    const query = parseQuery(listQuery, req);
    const users = await deps.users.list(decodeCursor(query.cursor), query.limit);
    res.json(page(users.map(toPublicUser), query.limit));
  });

  router.post('/v1/users', admin, async (req, res) => {
    const body = parseBody(createUserRequest, req);
    const user = await deps.service.create(body, claimsOf(req).sub, clientIp(req));
    res.status(201).location(`/v1/users/${user.id}`).json(toPublicUser(user));
  });

  router.get('/v1/users/:id', admin, async (req, res) => {
    const { id } = parseParams(idParams, req);
    const user = await deps.users.findById(id);
    if (!user) throw new WirefleetError('not_found');
    res.json(toPublicUser(user));
  });

  router.patch('/v1/users/:id', admin, async (req, res) => {
    const { id } = parseParams(idParams, req);
    const body = parseBody(patchUserRequest, req);
    res.json(toPublicUser(await deps.service.patch(id, body, claimsOf(req).sub, clientIp(req))));
  });

  router.delete('/v1/users/:id', admin, async (req, res) => {
    const { id } = parseParams(idParams, req);
    await deps.service.delete(id, claimsOf(req).sub, clientIp(req));
    res.status(204).end();
  });

  return router;
}
