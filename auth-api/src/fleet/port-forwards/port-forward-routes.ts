import {
  createPortForwardRequest,
  fromTemplateRequest,
  idParams,
  patchPortForwardRequest,
} from '@wirefleet/shared/schemas';
import { claimsOf } from '../../platform/http/authenticate.js';
import { clientIp } from '../../platform/http/client-ip.js';
import { type RouteDefinition, routeDefiner, } from '../../platform/http/routes/index.js';
import { portForward, portForwardList, serviceTemplateList } from '../../openapi/responses/fleet.js';
import type { PortForwardService } from './port-forward-service.js';

const route = routeDefiner<PortForwardService>();

// Viewers read templates and forwards (CONTRACT §4).
export const portForwardRouteDefinitions: readonly RouteDefinition<PortForwardService>[] = [
  route({
    method: 'get',
    path: '/v1/service-templates',
    operationId: 'listServiceTemplates',
    summary: 'Named port sets for common services',
    tags: ['port-forwards'],
    auth: 'viewer',
    responses: { 200: { description: 'Every template.', schema: serviceTemplateList } },
    errors: [],
    async handler({ res, deps: forwards }) {
      res.json({ items: await forwards.templates() });
    },
  }),
  route({
    method: 'get',
    path: '/v1/nodes/{id}/port-forwards',
    operationId: 'listPortForwards',
    summary: "List a node's port forwards",
    tags: ['port-forwards'],
    auth: 'viewer',
    request: { params: idParams },
    responses: { 200: { description: "All of the node's forwards.", schema: portForwardList } },
    errors: [],
    async handler({ params, res, deps: forwards }) {
      res.json({ items: await forwards.list(params.id) });
    },
  }),
  route({
    method: 'post',
    path: '/v1/nodes/{id}/port-forwards',
    operationId: 'createPortForward',
    summary: 'Add a port forward (DNAT) on a node',
    description: '`target_ip` must be a tunnel address; `(node, protocol, public_port)` is unique.',
    tags: ['port-forwards'],
    auth: 'operator',
    request: { params: idParams, body: createPortForwardRequest },
    responses: { 201: { description: 'The new forward.', schema: portForward } },
    errors: ['conflict'],
    async handler({ params, body, req, res, deps: forwards }) {
      const [created] = await forwards.create(params.id, [body], claimsOf(req).sub, clientIp(req));
      res.status(201).json(created);
    },
  }),
  route({
    method: 'post',
    path: '/v1/nodes/{id}/port-forwards/from-template',
    operationId: 'createPortForwardsFromTemplate',
    summary: "Add a service template's ports as forwards on a node",
    tags: ['port-forwards'],
    auth: 'operator',
    request: { params: idParams, body: fromTemplateRequest },
    responses: { 201: { description: 'The new forwards.', schema: portForwardList } },
    errors: ['conflict'],
    async handler({ params, body, req, res, deps: forwards }) {
      const items = await forwards.fromTemplate(
        params.id,
        body.template,
        body.target_ip,
        claimsOf(req).sub,
        clientIp(req),
      );
      res.status(201).json({ items });
    },
  }),
  route({
    method: 'patch',
    path: '/v1/port-forwards/{id}',
    operationId: 'updatePortForward',
    summary: 'Change a port forward',
    tags: ['port-forwards'],
    auth: 'operator',
    request: { params: idParams, body: patchPortForwardRequest },
    responses: { 200: { description: 'The updated forward.', schema: portForward } },
    errors: ['conflict'],
    async handler({ params, body, req, res, deps: forwards }) {
      res.json(await forwards.patch(params.id, body, claimsOf(req).sub, clientIp(req)));
    },
  }),
  route({
    method: 'delete',
    path: '/v1/port-forwards/{id}',
    operationId: 'deletePortForward',
    summary: 'Delete a port forward',
    tags: ['port-forwards'],
    auth: 'operator',
    request: { params: idParams },
    responses: { 204: { description: 'The forward is deleted.' } },
    errors: [],
    async handler({ params, req, res, deps: forwards }) {
      await forwards.delete(params.id, claimsOf(req).sub, clientIp(req));
      res.status(204).end();
    },
  }),
];
