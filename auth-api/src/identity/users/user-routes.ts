import { WirefleetError } from '@wirefleet/shared/errors';
import { createUserRequest, idParams, listQuery, patchUserRequest } from '@wirefleet/shared/schemas';
import { type Authenticator, claimsOf } from '../../platform/http/authenticate.js';
import { clientIp } from '../../platform/http/client-ip.js';
import { decodeCursor, page } from '../../platform/http/pagination.js';
import { type RouteDefinition, routeDefiner, } from '../../platform/http/routes/index.js';
import { user, userPage } from '../../openapi/responses/identity.js';
import type { UserService } from './user-service.js';
import { toPublicUser, type UserStore } from './user-store.js';

export interface UserRouteDeps {
  users: UserStore;
  service: UserService;
  auth: Authenticator;
}

const route = routeDefiner<UserRouteDeps>();

export const userRouteDefinitions: readonly RouteDefinition<UserRouteDeps>[] = [
  route({
    method: 'get',
    path: '/v1/users',
    operationId: 'listUsers',
    summary: 'List users',
    tags: ['users'],
    auth: 'admin',
    request: { query: listQuery },
    responses: { 200: { description: 'A page of users.', schema: userPage } },
    errors: [],
    async handler({ query, res, deps }) {
      const users = await deps.users.list(decodeCursor(query.cursor), query.limit);
      res.json(page(users.map(toPublicUser), query.limit));
    },
  }),
  route({
    method: 'post',
    path: '/v1/users',
    operationId: 'createUser',
    summary: 'Create a user',
    tags: ['users'],
    auth: 'admin',
    request: { body: createUserRequest },
    responses: {
      201: { description: 'The new user.', schema: user, headers: { Location: 'The URL of the new user.' } },
    },
    errors: ['conflict', 'server_busy'],
    async handler({ body, req, res, deps }) {
      const created = await deps.service.create(body, claimsOf(req).sub, clientIp(req));
      res.status(201).location(`/v1/users/${created.id}`).json(toPublicUser(created));
    },
  }),
  route({
    method: 'get',
    path: '/v1/users/{id}',
    operationId: 'getUser',
    summary: 'Get a user',
    tags: ['users'],
    auth: 'admin',
    request: { params: idParams },
    responses: { 200: { description: 'The user.', schema: user } },
    errors: [],
    async handler({ params, res, deps }) {
      const found = await deps.users.findById(params.id);
      if (!found) throw new WirefleetError('not_found');
      res.json(toPublicUser(found));
    },
  }),
  route({
    method: 'patch',
    path: '/v1/users/{id}',
    operationId: 'updateUser',
    summary: "Change a user's role, password or disabled flag",
    description: 'The last enabled admin cannot be demoted or disabled (409).',
    tags: ['users'],
    auth: 'admin',
    request: { params: idParams, body: patchUserRequest },
    responses: { 200: { description: 'The updated user.', schema: user } },
    errors: ['conflict', 'server_busy'],
    async handler({ params, body, req, res, deps }) {
      res.json(toPublicUser(await deps.service.patch(params.id, body, claimsOf(req).sub, clientIp(req))));
    },
  }),
  route({
    method: 'delete',
    path: '/v1/users/{id}',
    operationId: 'deleteUser',
    summary: 'Delete a user',
    description: 'The last enabled admin cannot be deleted (409).',
    tags: ['users'],
    auth: 'admin',
    request: { params: idParams },
    responses: { 204: { description: 'The user is deleted.' } },
    errors: ['conflict'],
    async handler({ params, req, res, deps }) {
      await deps.service.delete(params.id, claimsOf(req).sub, clientIp(req));
      res.status(204).end();
    },
  }),
];
