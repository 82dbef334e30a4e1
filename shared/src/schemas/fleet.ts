import { z } from 'zod';
import { cidr, endpoint, hostname, ipAddress, port, region, resourceName, tag, wgPublicKey } from './net.js';

/** A member's tags: each at most once, kept sorted so equal sets compare equal. */
const tagList = z
  .array(tag)
  .max(32)
  .transform((tags) => [...new Set(tags)].sort());

export const createEnrollmentKeyRequest = z
  .strictObject({
    reusable: z.boolean().default(false),
    max_uses: z.number().int().min(1).max(1_000_000).optional(),
    ttl_seconds: z.number().int().min(60).max(365 * 24 * 3600).default(3600),
    tags: z.array(tag).max(32).default([]),
  })
  .refine((body) => body.reusable || body.max_uses === undefined || body.max_uses === 1, {
    message: 'a one-time key has max_uses 1; set reusable: true for more',
    path: ['max_uses'],
  });
export type CreateEnrollmentKeyRequest = z.infer<typeof createEnrollmentKeyRequest>;

export const enrollRequest = z.strictObject({
  enrollment_key: z.string().min(1).max(200),
  name: resourceName,
  wg_public_key: wgPublicKey,
  endpoint: endpoint.optional(),
  listen_port: port.optional(),
  region: region.optional(),
  hostname: hostname.optional(),
  agent_version: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9.+_-]{0,63}$/, 'a version such as 1.2.3')
    .optional(),
});
export type EnrollRequest = z.infer<typeof enrollRequest>;

export const nodeTokenRequest = z.strictObject({
  node_id: z.number().int().min(1),
  node_secret: z.string().min(1).max(200),
});

export const patchNodeRequest = z
  .strictObject({
    name: resourceName.optional(),
    endpoint: endpoint.nullable().optional(),
    listen_port: port.optional(),
    region: region.nullable().optional(),
    routes: z.array(cidr).max(64).optional(),
    // Names the access policy matches (CONTRACT §8); the list replaces the node's tags.
    tags: tagList.optional(),
    // Admin only (the route answers 403 to an operator): it allows default routes (CONTRACT §4).
    exit_node: z.boolean().optional(),
  })
  .refine((body) => Object.keys(body).length > 0, { message: 'nothing to change' });
export type PatchNodeRequest = z.infer<typeof patchNodeRequest>;

export const createDeviceRequest = z.union([
  z.strictObject({
    name: resourceName,
    wg_public_key: wgPublicKey,
    node_id: z.number().int().min(1),
    tags: tagList.default([]),
  }),
  z.strictObject({ name: resourceName, wg_public_key: wgPublicKey, region, tags: tagList.default([]) }),
]);
export type CreateDeviceRequest = z.infer<typeof createDeviceRequest>;

export const patchDeviceRequest = z
  .strictObject({ name: resourceName.optional(), tags: tagList.optional() })
  .refine((body) => Object.keys(body).length > 0, { message: 'nothing to change' });
export type PatchDeviceRequest = z.infer<typeof patchDeviceRequest>;

export const PROTOCOLS = ['tcp', 'udp'] as const;

export const createPortForwardRequest = z.strictObject({
  protocol: z.enum(PROTOCOLS),
  public_port: port,
  target_ip: ipAddress,
  target_port: port,
  // Any text for people: stored and served verbatim, never part of a firewall rule.
  description: z.string().max(200).optional(),
  enabled: z.boolean().default(true),
});
export type CreatePortForwardRequest = z.infer<typeof createPortForwardRequest>;

export const patchPortForwardRequest = z
  .strictObject({
    protocol: z.enum(PROTOCOLS).optional(),
    public_port: port.optional(),
    target_ip: ipAddress.optional(),
    target_port: port.optional(),
    description: z.string().max(200).nullable().optional(),
    enabled: z.boolean().optional(),
  })
  .refine((body) => Object.keys(body).length > 0, { message: 'nothing to change' });
export type PatchPortForwardRequest = z.infer<typeof patchPortForwardRequest>;

export const fromTemplateRequest = z.strictObject({
  template: z.string().regex(/^[a-z0-9-]{1,32}$/, 'a template name'),
  target_ip: ipAddress,
});

export const COMMAND_TYPES = ['reconcile', 'ping', 'wg_show'] as const;
export type CommandType = (typeof COMMAND_TYPES)[number];

/** Commands and their arguments; the agent re-validates with the same schemas before acting. */
export const commandArgs = {
  reconcile: z.strictObject({}),
  ping: z.strictObject({ target_ip: ipAddress, count: z.number().int().min(1).max(10).default(3) }),
  wg_show: z.strictObject({}),
} as const;

export const createCommandRequest = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('reconcile'), args: commandArgs.reconcile.default({}) }),
  z.strictObject({ type: z.literal('ping'), args: commandArgs.ping }),
  z.strictObject({ type: z.literal('wg_show'), args: commandArgs.wg_show.default({}) }),
]);
export type CreateCommandRequest = z.infer<typeof createCommandRequest>;

/** `GET /v1/devices`: one page, optionally only the devices attached to one node. */
export const deviceListQuery = z.object({
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  node_id: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
});

export const nodeListQuery = z.object({
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  region: region.optional(),
  online: z.enum(['true', 'false']).optional(),
});
