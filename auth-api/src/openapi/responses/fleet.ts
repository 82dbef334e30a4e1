import { nodeConfigSchema, statusEventData } from '@wirefleet/shared/protocol';
import { COMMAND_TYPES, PROTOCOLS } from '@wirefleet/shared/schemas';
import { z } from 'zod';
import { component, count, list, numericId, page, port, resource, timestamp } from './registry.js';

const enrollmentKeyFields = {
  id: z.uuid(),
  prefix: z.string(),
  reusable: z.boolean(),
  max_uses: count().nullable(),
  uses: count(),
  tags: z.array(z.string()),
  state: z.enum(['created', 'used', 'expired', 'revoked']),
  expires_at: timestamp(),
  created_at: timestamp(),
  last_used_at: timestamp().nullable(),
  created_by: z.string().nullable(),
};

export const enrollmentKey = component(
  'EnrollmentKey',
  'An enrollment key, never the key itself.',
  resource(enrollmentKeyFields),
);
export const enrollmentKeyPage = page('EnrollmentKey', enrollmentKey);

export const createdEnrollmentKey = component(
  'CreatedEnrollmentKey',
  'A new enrollment key; `key` is shown only in this response.',
  resource({ ...enrollmentKeyFields, key: z.string() }),
);

export const enrollment = component(
  'Enrollment',
  'A newly enrolled node; `node_secret` is shown only in this response.',
  resource({
    node_id: numericId(),
    node_secret: z.string(),
    tunnel_ip: z.string(),
    network_cidr: z.string(),
    gateway_url: z.string(),
  }),
);

export const node = component(
  'Node',
  'A node as the API shows it, with its agent-reported state; never its secret.',
  resource({
    id: numericId(),
    name: z.string(),
    region: z.string().nullable(),
    hostname: z.string().nullable(),
    agent_version: z.string().nullable(),
    /** The agent's last reported self-update (`status.update`); null until it reports one. */
    agent_update: statusEventData.shape.update.unwrap().nullable().optional(),
    tunnel_ip: z.string(),
    endpoint: z.string().nullable(),
    listen_port: port(),
    wg_public_key: z.string(),
    routes: z.array(z.string()),
    tags: z.array(z.string()),
    exit_node: z.boolean(),
    online: z.boolean(),
    last_seen_at: timestamp().nullable(),
    desired_revision: count(),
    applied_revision: count().nullable(),
    last_error: z.string().nullable(),
    drift: z.boolean(),
    state_digest: z.string().nullable(),
    // Stored verbatim from the agent's last `status` event, so the event's schema describes it.
    peers: statusEventData.shape.peers,
    created_at: timestamp(),
    updated_at: timestamp(),
  }),
);
export const nodePage = page('Node', node);

const forwardRule = {
  protocol: z.enum(PROTOCOLS),
  public_port: port(),
  target_ip: z.string(),
  target_port: port(),
};

export const signedNodeConfig = component(
  'SignedNodeConfig',
  "The node's desired configuration and a compact JWS (`typ: wirefleet-config+jws`) over it. Agents apply the verified JWS payload, never the unsigned copy.",
  resource({
    config: resource({
      node_id: numericId(),
      revision: count(),
      issued_at: timestamp(),
      interface: resource({ address: z.string(), listen_port: port() }),
      peers: z.array(
        resource({
          public_key: z.string(),
          allowed_ips: z.array(z.string()),
          endpoint: z.string().optional(),
          persistent_keepalive: count().optional(),
        }),
      ),
      port_forwards: z.array(resource(forwardRule)),
      masquerade: z.boolean(),
      filter: nodeConfigSchema.shape.filter,
      agent_update: nodeConfigSchema.shape.agent_update,
    }),
    signature: z.string(),
  }),
);

const deviceFields = {
  id: numericId(),
  name: z.string(),
  node_id: numericId(),
  wg_public_key: z.string(),
  tunnel_ip: z.string(),
  tags: z.array(z.string()),
  created_at: timestamp(),
};

export const device = component(
  'Device',
  'A plain WireGuard peer attached to one node.',
  resource(deviceFields),
);
export const devicePage = page('Device', device);

export const createdDevice = component(
  'CreatedDevice',
  'A new device with a ready WireGuard client config (the private key is a placeholder for the device owner to fill in).',
  resource({ ...deviceFields, client_config: z.string() }),
);

export const portForward = component(
  'PortForward',
  'A DNAT rule on a node.',
  resource({
    id: numericId(),
    node_id: numericId(),
    ...forwardRule,
    description: z.string().nullable(),
    enabled: z.boolean(),
    created_at: timestamp(),
    updated_at: timestamp(),
  }),
);
export const portForwardList = list('PortForward', portForward);

export const serviceTemplate = component(
  'ServiceTemplate',
  'A named set of ports that /v1/nodes/{id}/port-forwards/from-template expands into forwards.',
  resource({
    name: z.string(),
    description: z.string(),
    ports: z.array(resource({ protocol: z.enum(PROTOCOLS), port: port() })),
  }),
);
export const serviceTemplateList = list('ServiceTemplate', serviceTemplate);

export const command = component(
  'Command',
  'A command to a node and its progress; `result` is what the agent reported.',
  resource({
    id: z.uuid(),
    node_id: numericId(),
    type: z.enum(COMMAND_TYPES),
    args: z.record(z.string(), z.unknown()),
    status: z.enum(['queued', 'sent', 'succeeded', 'failed', 'expired']),
    result: z.unknown(),
    error: z.string().nullable(),
    created_at: timestamp(),
    sent_at: timestamp().nullable(),
    completed_at: timestamp().nullable(),
    expires_at: timestamp(),
  }),
);
export const commandPage = page('Command', command);

export const commandDelivery = component(
  'CommandDelivery',
  'A command as its node receives it, live (`command` event) or from /v1/nodes/self/commands.',
  resource({ id: z.uuid(), type: z.enum(COMMAND_TYPES), args: z.record(z.string(), z.unknown()), expires_at: timestamp() }),
);
export const commandDeliveryList = list('CommandDelivery', commandDelivery);
