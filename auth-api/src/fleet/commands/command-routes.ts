import { createCommandRequest, idParams, listQuery } from '@wirefleet/shared/schemas';
import { Router } from 'express';
import { z } from 'zod';
import { type Authenticator, claimsOf } from '../../http/authenticate.js';
import { parseBody, parseParams, parseQuery } from '../../http/validate.js';
import { parseSubject } from '@wirefleet/shared/tokens';
import { clientIp } from '../../http/client-ip.js';
import type { CommandService } from './command-service.js';

export function commandRoutes(commands: CommandService, auth: Authenticator): Router {
  const router = Router();
  router.post('/v1/nodes/:id/commands', auth.require('operator'), async (req, res) => {
    const { id } = parseParams(idParams, req);
    const body = parseBody(createCommandRequest, req);
    const command = await commands.create(id, body, claimsOf(req).sub, clientIp(req));
    res.status(202).location(`/v1/commands/${command.id}`).json(command);
  });
  router.get('/v1/nodes/self/commands', auth.node(), async (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json(await commands.pendingForNode(parseSubject(claimsOf(req).sub).id));
  });
  router.get('/v1/nodes/:id/commands', auth.require('viewer'), async (req, res) => {
    const { id } = parseParams(idParams, req);
    res.json(await commands.listForNode(id, parseQuery(listQuery, req)));
  });
  router.get('/v1/commands/:id', auth.require('viewer'), async (req, res) => {
    res.json(await commands.get(parseParams(z.object({ id: z.uuid() }), req).id));
  });
  return router;
}
