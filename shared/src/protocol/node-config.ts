import { z } from 'zod';

/**
 * The signed node configuration's payload (CONTRACT §6), as the agent re-validates it after
 * verifying the signature: a valid signature proves who made it, not that it is well-formed.
 */
const base64Key = z.string().regex(/^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/, 'a 32-byte base64 key');
const cidrText = z.string().regex(/^[0-9A-Fa-f:.]+\/\d{1,3}$/, 'a CIDR');
const portNumber = z.number().int().min(1).max(65535);

/**
 * One inbound allow of the node's filter. Without `to` it admits traffic addressed to the node's
 * own tunnel address; with `to` (addresses of devices attached to this node, an addition to
 * CONTRACT §8) traffic this node forwards to them. `ports` (inclusive ranges) only with tcp/udp;
 * absent means every port.
 */
export const filterEntrySchema = z.object({
  from: z.array(cidrText).min(1).max(100_000),
  to: z.array(cidrText).min(1).max(10_000).optional(),
  proto: z.enum(['tcp', 'udp', 'icmp', 'any']),
  ports: z
    .array(z.tuple([portNumber, portNumber]))
    .min(1)
    .max(64)
    .optional(),
});
export type FilterEntry = z.infer<typeof filterEntrySchema>;

/**
 * The agent build this node should run (docs/agent.md, "Self-update"): set when an admin chose a
 * wanted version and the auth-api holds that release. Inside the signed config, so its hash is
 * signed by the auth-api's key; `url` is a path on the auth-api (never another host).
 */
export const agentUpdateSchema = z.object({
  version: z
    .string()
    .regex(/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/, 'a release version')
    .max(64),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'a hex SHA-256'),
  bytes: z
    .number()
    .int()
    .min(1)
    .max(256 * 1024 * 1024),
  url: z
    .string()
    .regex(/^\/v1\/[A-Za-z0-9._~/-]+$/, 'a path on the auth-api')
    .max(300),
});
export type AgentUpdate = z.infer<typeof agentUpdateSchema>;

export const nodeConfigSchema = z.object({
  node_id: z.number().int().min(1),
  revision: z.number().int().min(0),
  issued_at: z.string(),
  interface: z.object({ address: cidrText, listen_port: portNumber }),
  peers: z
    .array(
      z.object({
        public_key: base64Key,
        allowed_ips: z.array(cidrText).max(1024),
        endpoint: z.string().max(300).optional(),
        persistent_keepalive: z.number().int().min(0).max(65535).optional(),
      }),
    )
    .max(100_000),
  port_forwards: z
    .array(
      z.object({
        protocol: z.enum(['tcp', 'udp']),
        public_port: portNumber,
        target_ip: z.string().max(45),
        target_port: portNumber,
      }),
    )
    .max(10_000),
  masquerade: z.boolean(),
  // Present once an access policy is set (CONTRACT §8); absent, nothing from the tunnel is filtered.
  filter: z
    .object({
      inbound: z.array(filterEntrySchema).max(100_000),
    })
    .optional(),
  agent_update: agentUpdateSchema.optional(),
});

export type NodeConfigPayload = z.infer<typeof nodeConfigSchema>;
