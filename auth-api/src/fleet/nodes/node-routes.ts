import { WirefleetError } from '@wirefleet/shared/errors';
import { idParams, nodeListQuery, nodeTokenRequest, patchNodeRequest } from '@wirefleet/shared/schemas';
import { parseSubject } from '@wirefleet/shared/tokens';
import { claimsOf } from '../../platform/http/authenticate.js';
import { clientIp } from '../../platform/http/client-ip.js';
import { decodeCursor, page } from '../../platform/http/pagination.js';
import { type RouteDefinition, routeDefiner, } from '../../platform/http/routes/index.js';
import { node, nodePage, signedNodeConfig } from '../../openapi/responses/fleet.js';
import { nodeToken } from '../../openapi/responses/identity.js';
import { buildNodeConfig, signNodeConfig } from '../config/index.js';
import type { Keyring } from '../../identity/keys/index.js';
import type { FleetWriteDeps } from '../fleet-deps.js';
import type { NodeService } from './node-service.js';

interface NodeRouteDeps {
  /** The node config is built from the database and the network, and signed with the keyring. */
  fleet: Pick<FleetWriteDeps, 'db' | 'network'> & { keyring: Keyring };
  nodes: NodeService;
}

const route = routeDefiner<NodeRouteDeps>();

export const nodeRouteDefinitions: readonly RouteDefinition<NodeRouteDeps>[] = [
  route({
    method: 'post',
    path: '/v1/nodes/token',
    operationId: 'issueNodeToken',
    summary: "Exchange a node's id and secret for a node access token",
    tags: ['nodes'],
    auth: 'none',
    request: { body: nodeTokenRequest },
    responses: { 200: { description: 'A node access token.', schema: nodeToken } },
    errors: ['invalid_node_credentials', 'rate_limited'],
    async handler({ body, req, res, deps }) {
      res.setHeader('Cache-Control', 'no-store');
      res.json(await deps.nodes.issueToken(body.node_id, body.node_secret, clientIp(req)));
    },
  }),
  route({
    method: 'get',
    path: '/v1/nodes/self/config',
    operationId: 'getOwnNodeConfig',
    summary: "The calling node's signed desired configuration",
    tags: ['nodes'],
    auth: 'node',
    responses: { 200: { description: 'The config and its JWS.', schema: signedNodeConfig } },
    errors: ['not_found'],
    async handler({ req, res, deps }) {
      const { id } = parseSubject(claimsOf(req).sub);
      const config = await buildNodeConfig(deps.fleet.db, deps.fleet.network, id);
      if (!config) throw new WirefleetError('not_found');
      res.setHeader('Cache-Control', 'no-store');
      res.json(signNodeConfig(deps.fleet.keyring, config));
    },
  }),
  route({
    method: 'get',
    path: '/v1/nodes',
    operationId: 'listNodes',
    summary: 'List nodes, optionally by region and online state',
    tags: ['nodes'],
    auth: 'viewer',
    request: { query: nodeListQuery },
    responses: { 200: { description: 'A page of nodes.', schema: nodePage } },
    errors: [],
    async handler({ query, res, deps }) {
      const items = await deps.nodes.list({
        afterId: decodeCursor(query.cursor),
        limit: query.limit,
        region: query.region,
        online: query.online === undefined ? undefined : query.online === 'true',
      });
      res.json(page(items, query.limit));
    },
  }),
  route({
    method: 'get',
    path: '/v1/nodes/{id}',
    operationId: 'getNode',
    summary: 'Get a node',
    tags: ['nodes'],
    auth: 'viewer',
    request: { params: idParams },
    responses: { 200: { description: 'The node.', schema: node } },
    errors: [],
    async handler({ params, res, deps }) {
      res.json(await deps.nodes.get(params.id));
    },
  }),
  route({
    method: 'patch',
    path: '/v1/nodes/{id}',
    operationId: 'updateNode',
    summary: "Change a node's name, endpoint, port, region, routes or exit_node",
    description:
      "Routes are IPv4 CIDRs that may not overlap the tunnel network, another node's routes or each other. A default route, half of one, or any route wider than a /8 is allowed only on an exit node; `exit_node` is set by an admin only (403 for an operator).",
    tags: ['nodes'],
    auth: 'operator',
    request: { params: idParams, body: patchNodeRequest },
    responses: { 200: { description: 'The updated node.', schema: node } },
    errors: ['conflict'],
    async handler({ params, body, req, res, deps }) {
      const claims = claimsOf(req);
      // An exit node may pull every node's Internet traffic through itself: an admin decision.
      if (body.exit_node !== undefined && claims.role !== 'admin') {
        throw new WirefleetError('forbidden', { detail: 'only an admin may set exit_node' });
      }
      res.json(await deps.nodes.patch(params.id, body, claims.sub, clientIp(req)));
    },
  }),
  route({
    method: 'delete',
    path: '/v1/nodes/{id}',
    operationId: 'deleteNode',
    summary: 'Offboard a node: secret revoked, agent disconnected, removed from every peer list',
    tags: ['nodes'],
    auth: 'operator',
    request: { params: idParams },
    responses: { 204: { description: 'The node is deleted.' } },
    errors: [],
    async handler({ params, req, res, deps }) {
      await deps.nodes.delete(params.id, claimsOf(req).sub, clientIp(req));
      res.status(204).end();
    },
  }),
];
