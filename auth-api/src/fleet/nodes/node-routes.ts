import { WirefleetError } from '@wirefleet/shared/errors';
import { idParams, nodeListQuery, nodeTokenRequest, patchNodeRequest } from '@wirefleet/shared/schemas';
import { parseSubject } from '@wirefleet/shared/tokens';
import { Router } from 'express';
import { type Authenticator, claimsOf } from '../../http/authenticate.js';
import { decodeCursor, page } from '../../http/pagination.js';
import { parseBody, parseParams, parseQuery } from '../../http/validate.js';
import { clientIp } from '../../http/client-ip.js';
import { buildNodeConfig, signNodeConfig } from '../config/index.js';
import type { FleetDeps } from '../fleet-deps.js';
import type { NodeService } from './node-service.js';

export function nodeRoutes(deps: FleetDeps, nodes: NodeService, auth: Authenticator): Router {
  const router = Router();

  router.post('/v1/nodes/token', async (req, res) => {
    const body = parseBody(nodeTokenRequest, req);
    res.setHeader('Cache-Control', 'no-store');
    res.json(await nodes.issueToken(body.node_id, body.node_secret, clientIp(req)));
  });

  router.get('/v1/nodes/self/config', auth.node(), async (req, res) => {
    const { id } = parseSubject(claimsOf(req).sub);
    const config = await buildNodeConfig(deps.db, deps.network, id);
    if (!config) throw new WirefleetError('not_found');
    res.setHeader('Cache-Control', 'no-store');
    res.json(signNodeConfig(deps.keyring, config));
  });

  router.get('/v1/nodes', auth.require('viewer'), async (req, res) => {
    const query = parseQuery(nodeListQuery, req);
    const items = await nodes.list({
      afterId: decodeCursor(query.cursor),
      limit: query.limit,
      region: query.region,
      online: query.online === undefined ? undefined : query.online === 'true',
    });
    res.json(page(items, query.limit));
  });

  router.get('/v1/nodes/:id', auth.require('viewer'), async (req, res) => {
    res.json(await nodes.get(parseParams(idParams, req).id));
  });

  router.patch('/v1/nodes/:id', auth.require('operator'), async (req, res) => {
    const { id } = parseParams(idParams, req);
    const body = parseBody(patchNodeRequest, req);
    const claims = claimsOf(req);
    // An exit node may pull every node's Internet traffic through itself: an admin decision.
    if (body.exit_node !== undefined && claims.role !== 'admin') {
      throw new WirefleetError('forbidden', { detail: 'only an admin may set exit_node' });
    }
    res.json(await nodes.patch(id, body, claims.sub, clientIp(req)));
  });

  router.delete('/v1/nodes/:id', auth.require('operator'), async (req, res) => {
    await nodes.delete(parseParams(idParams, req).id, claimsOf(req).sub, clientIp(req));
    res.status(204).end();
  });

  return router;
}
