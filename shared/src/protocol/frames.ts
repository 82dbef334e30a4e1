import { z } from 'zod';

/** Most bytes a text frame may carry (GATEWAY_MAX_PAYLOAD). */
export const DEFAULT_MAX_FRAME_BYTES = 64 * 1024;

const frameId = z.string().min(1).max(64).optional();
const roomField = z.string().min(1).max(64);

/** Client → server frames. Unknown fields are refused so typos surface as errors. */
export const clientFrame = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('subscribe'),
    room: roomField,
    since: z.string().min(1).max(64).optional(),
    id: frameId,
  }),
  z.strictObject({ type: z.literal('unsubscribe'), room: roomField, id: frameId }),
  z.strictObject({
    type: z.literal('publish'),
    room: roomField,
    event: z.string().min(1).max(64),
    data: z.unknown(),
    id: frameId,
  }),
  z.strictObject({ type: z.literal('refresh'), token: z.string().min(1).max(16 * 1024), id: frameId }),
  z.strictObject({ type: z.literal('ping'), id: frameId }),
]);
export type ClientFrame = z.infer<typeof clientFrame>;

/** Error codes of `error` frames. */
export type FrameErrorCode = 'bad_request' | 'forbidden' | 'unauthorized' | 'rate_limited' | 'internal_error';

/** Server → client frames. */
export type ServerFrame =
  | { type: 'welcome'; conn_id: string; sub: string; rooms: string[]; expires_at: number }
  | { type: 'subscribed'; room: string; offset: string; recovered: boolean; id?: string }
  | { type: 'unsubscribed'; room: string; id?: string }
  | { type: 'published'; room: string; offset: string; id?: string }
  | { type: 'refreshed'; expires_at: number; id?: string }
  | { type: 'event'; room: string; event: string; data: unknown; offset: string; ts: number }
  | { type: 'error'; code: FrameErrorCode; message: string; id?: string }
  | { type: 'pong'; id?: string };

export type EventFrame = Extract<ServerFrame, { type: 'event' }>;

/** Payloads of node → server events (at least these fields; more are allowed). */
export const statusEventData = z.object({
  applied_revision: z.number().int().min(0),
  peers: z
    .array(
      z.object({
        public_key: z.string().max(64),
        endpoint: z.string().max(300).optional(),
        latest_handshake: z.number().optional(),
        rx_bytes: z.number().min(0),
        tx_bytes: z.number().min(0),
      }),
    )
    .max(20_000),
  /** Set when `peers` lists only the most recently active peers of a large mesh. */
  peers_total: z.number().int().min(0).optional(),
  state_digest: z.string().max(128),
  drift: z.boolean(),
  /** The agent's own build (self-update, docs/agent.md); absent from agents older than it. */
  agent_version: z.string().max(64).optional(),
  /** The agent's last self-update: where it got to, for which version, and why it stopped. */
  update: z
    .object({
      state: z.enum(['downloading', 'verifying', 'restarting', 'updated', 'rolled_back', 'failed']),
      version: z.string().max(64),
      error: z.string().max(1000).optional(),
      at: z.string().max(40),
    })
    .optional(),
});

export const configAppliedEventData = z.object({
  revision: z.number().int().min(0),
  ok: z.boolean(),
  error: z.string().max(4096).optional(),
});

/** How deep free-form JSON in an event may nest; far beyond any real command output. */
export const MAX_JSON_DEPTH = 64;

/** Nesting depth of a parsed JSON value, counted without recursion and given up past `limit`. */
function jsonDepth(value: unknown, limit: number): number {
  let deepest = 0;
  const pending: Array<[unknown, number]> = [[value, 0]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [item, depth] = next;
    if (typeof item !== 'object' || item === null) continue;
    deepest = Math.max(deepest, depth + 1);
    if (deepest > limit) return deepest;
    for (const child of Object.values(item)) pending.push([child, depth + 1]);
  }
  return deepest;
}

/**
 * Free-form JSON, nested at most MAX_JSON_DEPTH levels. A 64 KiB frame can nest 30,000 levels,
 * which JSON.parse accepts but JSON.stringify (publishing it on) cannot encode again.
 */
const boundedJson = z
  .unknown()
  .refine((value) => jsonDepth(value, MAX_JSON_DEPTH) <= MAX_JSON_DEPTH, `nested deeper than ${MAX_JSON_DEPTH} levels`);

/**
 * The `command` event a node receives in its room (CONTRACT §5), and each item of
 * `GET /v1/nodes/self/commands`: the auth-api builds it, the agent runs it.
 */
export interface CommandEventData {
  id: string;
  type: string;
  args: unknown;
  /** ISO 8601; the agent does not run a command that arrives after this. */
  expires_at: string;
}

export const commandResultEventData = z.object({
  command_id: z.union([z.string().max(64), z.number().int()]),
  ok: z.boolean(),
  output: boundedJson.optional(),
  error: z.string().max(4096).optional(),
});

export const nodeEventSchemas = {
  status: statusEventData,
  'config.applied': configAppliedEventData,
  'command.result': commandResultEventData,
} as const;
