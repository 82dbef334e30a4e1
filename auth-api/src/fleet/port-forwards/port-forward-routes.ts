import { createPortForwardRequest, fromTemplateRequest, idParams, patchPortForwardRequest } from '@wirefleet/shared/schemas';
import { Router } from 'express';
import { type Authenticator, claimsOf } from '../../http/authenticate.js';
import { parseBody, parseParams } from '../../http/validate.js';
import { clientIp } from '../../http/client-ip.js';
import type { PortForwardService } from './port-forward-service.js';

export function portForwardRoutes(forwards: PortForwardService, auth: Authenticator): Router {
  const router = Router();
  const operator = auth.require('operator');
  // Viewers read templates and forwards (CONTRACT §4).
  router.get('/v1/service-templates', auth.require('viewer'), async (_req, res) => {
    res.json({ items: await forwards.templates() });
  });
  router.get('/v1/nodes/:id/port-forwards', auth.require('viewer'), async (req, res) => {
    res.json({ items: await forwards.list(parseParams(idParams, req).id) });
  });
  router.post('/v1/nodes/:id/port-forwards', operator, async (req, res) => {
    const { id } = parseParams(idParams, req);
    const body = parseBody(createPortForwardRequest, req);
    const [created] = await forwards.create(id, [body], claimsOf(req).sub, clientIp(req));
    res.status(201).json(created);
  });
  router.post('/v1/nodes/:id/port-forwards/from-template', operator, async (req, res) => {
    const { id } = parseParams(idParams, req);
    const body = parseBody(fromTemplateRequest, req);
    res.status(201).json({ items: await forwards.fromTemplate(id, body.template, body.target_ip, claimsOf(req).sub, clientIp(req)) });
  });
  router.patch('/v1/port-forwards/:id', operator, async (req, res) => {
    const { id } = parseParams(idParams, req);
    const body = parseBody(patchPortForwardRequest, req);
    res.json(await forwards.patch(id, body, claimsOf(req).sub, clientIp(req)));
  });
  router.delete('/v1/port-forwards/:id', operator, async (req, res) => {
    await forwards.delete(parseParams(idParams, req).id, claimsOf(req).sub, clientIp(req));
    res.status(204).end();
  });
  return router;
}
