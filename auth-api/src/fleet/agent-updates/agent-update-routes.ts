import { agentReleaseVersion, tag } from '@wirefleet/shared/schemas';
import { z } from 'zod';
import { component, resource, timestamp } from '../../openapi/responses/registry.js';
import { claimsOf } from '../../platform/http/authenticate.js';
import { clientIp } from '../../platform/http/client-ip.js';
import { type RouteDefinition, routeDefiner } from '../../platform/http/routes/index.js';
import type { AgentUpdateService } from './agent-update-service.js';

const route = routeDefiner<AgentUpdateService>();

const wantedVersionRequest = z.strictObject({
  version: agentReleaseVersion.nullable(),
  tags: z.array(tag).min(1).max(100).optional(),
});

const wantedVersion = resource({
  tag: z.string().nullable(),
  version: z.string(),
  sha256: z.string(),
  bytes: z.number().int(),
  url: z.string(),
  updated_by: z.string().nullable(),
  updated_at: timestamp(),
});

const wantedVersions = component(
  'AgentWantedVersions',
  "The agent versions the network's nodes should run: for the whole network (`tag` null) and per tag (a node's tag wins over the network).",
  z.object({ items: z.array(wantedVersion) }),
);

const wantedVersionUpdate = component(
  'AgentWantedVersionUpdate',
  'The wanted versions after the change, and how many nodes got a new configuration revision.',
  z.object({ items: z.array(wantedVersion), nodes_updated: z.number().int() }),
);

export const agentUpdateRouteDefinitions: readonly RouteDefinition<AgentUpdateService>[] = [
  route({
    method: 'get',
    path: '/v1/agent/wanted-version',
    operationId: 'getAgentWantedVersion',
    summary: 'The agent versions nodes should run',
    tags: ['nodes'],
    auth: 'viewer',
    responses: { 200: { description: 'The network-wide and per-tag choices.', schema: wantedVersions } },
    errors: [],
    async handler({ res, deps }) {
      res.json(await deps.get());
    },
  }),
  route({
    method: 'put',
    path: '/v1/agent/wanted-version',
    operationId: 'putAgentWantedVersion',
    summary: 'Choose the agent version nodes should run',
    description:
      "For the whole network, or with `tags` for the nodes carrying one of them; `version: null` clears the choice. The release must be on this server (`GET /v1/agent/releases/{version}`), else 404 `not_found`. The affected nodes' configs are re-signed with an `agent_update` naming it; their agents download, check and switch to it (docs/agent.md).",
    tags: ['nodes'],
    auth: 'admin',
    request: { body: wantedVersionRequest },
    responses: { 200: { description: 'The choices after the change.', schema: wantedVersionUpdate } },
    errors: ['not_found'],
    async handler({ body, req, res, deps }) {
      res.json(await deps.put(body, claimsOf(req).sub, clientIp(req)));
    },
  }),
];
