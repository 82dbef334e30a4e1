import { createCommandRequest, idParams, listQuery, uuidParams } from '@wirefleet/shared/schemas';
import { parseSubject } from '@wirefleet/shared/tokens';
import { claimsOf } from '../../platform/http/authenticate.js';
import { clientIp } from '../../platform/http/client-ip.js';
import { type RouteDefinition, routeDefiner, } from '../../platform/http/routes/index.js';
import { command, commandDeliveryList, commandPage } from '../../openapi/responses/fleet.js';
import type { CommandService } from './command-service.js';

const route = routeDefiner<CommandService>();

export const commandRouteDefinitions: readonly RouteDefinition<CommandService>[] = [
  route({
    method: 'post',
    path: '/v1/nodes/{id}/commands',
    operationId: 'createCommand',
    summary: 'Queue a command for a node',
    tags: ['commands'],
    auth: 'operator',
    request: { params: idParams, body: createCommandRequest },
    responses: {
      202: {
        description: 'The queued command; follow it at `Location`.',
        schema: command,
        headers: { Location: 'The URL of the command.' },
      },
    },
    errors: [],
    async handler({ params, body, req, res, deps: commands }) {
      const created = await commands.create(params.id, body, claimsOf(req).sub, clientIp(req));
      res.status(202).location(`/v1/commands/${created.id}`).json(created);
    },
  }),
  // Before `/v1/nodes/{id}/commands`, which would read `self` as a malformed id.
  route({
    method: 'get',
    path: '/v1/nodes/self/commands',
    operationId: 'pendingNodeCommands',
    summary: "The calling node's commands still to run (queued or sent, not expired), oldest first",
    tags: ['commands'],
    auth: 'node',
    responses: {
      200: { description: 'Commands to run; `queued` ones are now `sent`.', schema: commandDeliveryList },
    },
    errors: [],
    async handler({ req, res, deps: commands }) {
      res.setHeader('Cache-Control', 'no-store');
      res.json(await commands.pendingForNode(parseSubject(claimsOf(req).sub).id));
    },
  }),
  route({
    method: 'get',
    path: '/v1/nodes/{id}/commands',
    operationId: 'listNodeCommands',
    summary: "List a node's commands, newest first",
    tags: ['commands'],
    auth: 'viewer',
    request: { params: idParams, query: listQuery },
    responses: { 200: { description: 'A page of commands.', schema: commandPage } },
    errors: [],
    async handler({ params, query, res, deps: commands }) {
      res.json(await commands.listForNode(params.id, query));
    },
  }),
  route({
    method: 'get',
    path: '/v1/commands/{id}',
    operationId: 'getCommand',
    summary: 'Get a command and its result',
    tags: ['commands'],
    auth: 'viewer',
    request: { params: uuidParams },
    responses: { 200: { description: 'The command.', schema: command } },
    errors: [],
    async handler({ params, res, deps: commands }) {
      res.json(await commands.get(params.id));
    },
  }),
];
