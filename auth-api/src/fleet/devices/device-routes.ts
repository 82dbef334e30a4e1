import { createDeviceRequest, deviceListQuery, idParams, patchDeviceRequest } from '@wirefleet/shared/schemas';
import { claimsOf } from '../../platform/http/authenticate.js';
import { clientIp } from '../../platform/http/client-ip.js';
import { decodeCursor, page } from '../../platform/http/pagination.js';
import { type RouteDefinition, routeDefiner, } from '../../platform/http/routes/index.js';
import { createdDevice, device, devicePage } from '../../openapi/responses/fleet.js';
import type { DeviceService } from './device-service.js';

const route = routeDefiner<DeviceService>();

export const deviceRouteDefinitions: readonly RouteDefinition<DeviceService>[] = [
  route({
    method: 'get',
    path: '/v1/devices',
    operationId: 'listDevices',
    summary: 'List devices',
    tags: ['devices'],
    // Viewers read devices (CONTRACT §4); nothing secret is stored, the client config is only in POST's answer.
    auth: 'viewer',
    request: { query: deviceListQuery },
    responses: { 200: { description: 'A page of devices.', schema: devicePage } },
    errors: [],
    async handler({ query, res, deps: devices }) {
      res.json(page(await devices.list(decodeCursor(query.cursor), query.limit, query.node_id), query.limit));
    },
  }),
  route({
    method: 'post',
    path: '/v1/devices',
    operationId: 'createDevice',
    summary: 'Add a device on a given node, or placed by region',
    description: 'With `region` the device goes to the online node of that region with the fewest devices.',
    tags: ['devices'],
    auth: 'operator',
    request: { body: createDeviceRequest },
    responses: { 201: { description: 'The device and its WireGuard client config.', schema: createdDevice } },
    errors: ['conflict', 'no_nodes_available_in_region', 'network_full'],
    async handler({ body, req, res, deps: devices }) {
      res.status(201).json(await devices.create(body, claimsOf(req).sub, clientIp(req)));
    },
  }),
  route({
    method: 'patch',
    path: '/v1/devices/{id}',
    operationId: 'updateDevice',
    summary: "Rename a device or replace its tags",
    description: 'Tags are what access-policy selectors match (`tag:<name>`); only nodes whose compiled policy changes get a new configuration.',
    tags: ['devices'],
    auth: 'operator',
    request: { params: idParams, body: patchDeviceRequest },
    responses: { 200: { description: 'The device.', schema: device } },
    errors: ['not_found'],
    async handler({ params, body, req, res, deps: devices }) {
      res.json(await devices.patch(params.id, body, claimsOf(req).sub, clientIp(req)));
    },
  }),
  route({
    method: 'delete',
    path: '/v1/devices/{id}',
    operationId: 'deleteDevice',
    summary: 'Delete a device',
    tags: ['devices'],
    auth: 'operator',
    request: { params: idParams },
    responses: { 204: { description: 'The device is deleted.' } },
    errors: [],
    async handler({ params, req, res, deps: devices }) {
      await devices.delete(params.id, claimsOf(req).sub, clientIp(req));
      res.status(204).end();
    },
  }),
];
