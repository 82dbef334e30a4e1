import { createDeviceRequest, deviceListQuery, idParams } from '@wirefleet/shared/schemas';
import { Router } from 'express';
import { type Authenticator, claimsOf } from '../../http/authenticate.js';
import { decodeCursor, page } from '../../http/pagination.js';
import { parseBody, parseParams, parseQuery } from '../../http/validate.js';
import { clientIp } from '../../http/client-ip.js';
import type { DeviceService } from './device-service.js';

export function deviceRoutes(devices: DeviceService, auth: Authenticator): Router {
  const router = Router();
  const operator = auth.require('operator');
  // Viewers read devices (CONTRACT §4); nothing secret is stored, the client config is only in POST's answer.
  router.get('/v1/devices', auth.require('viewer'), async (req, res) => {
    const query = parseQuery(deviceListQuery, req);
    res.json(page(await devices.list(decodeCursor(query.cursor), query.limit, query.node_id), query.limit));
  });
  router.post('/v1/devices', operator, async (req, res) => {
    const body = parseBody(createDeviceRequest, req);
    res.status(201).json(await devices.create(body, claimsOf(req).sub, clientIp(req)));
  });
  router.delete('/v1/devices/:id', operator, async (req, res) => {
    await devices.delete(parseParams(idParams, req).id, claimsOf(req).sub, clientIp(req));
    res.status(204).end();
  });
  return router;
}
