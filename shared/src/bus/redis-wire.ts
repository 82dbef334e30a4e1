import type { Redis } from 'ioredis';
import { type BusEvent, type ParsedOffset, parseOffset } from './bus.js';

// The Redis wire format of RedisBus: Lua scripts, key and channel names, message encoding. Kept
// apart from the connection handling so each file can be read on its own.

// KEYS: stream, seq, epoch of one room (one hash tag, hence one Cluster slot). A missing epoch or
// sequence means the history generation is gone (FLUSHALL, restart without persistence, eviction,
// TTL): start a new one under a new epoch so that offsets of the old one answer recovered:false.
// The epoch is the server clock in µs, so later generations sort after earlier ones.
const GENERATION_LUA = `
local function generation(t, ttl)
  local epoch = redis.call('GET', KEYS[3])
  if epoch and redis.call('EXISTS', KEYS[2]) == 1 then return epoch end
  epoch = t[1] .. string.format('%06d', tonumber(t[2]))
  redis.call('SET', KEYS[3], epoch)
  redis.call('SET', KEYS[2], 0)
  redis.call('DEL', KEYS[1])
  if ttl > 0 then
    redis.call('EXPIRE', KEYS[3], ttl)
    redis.call('EXPIRE', KEYS[2], ttl)
  end
  return epoch
end
`;

// ARGV: body, history size, ttl, channel, room. The stream entry id is the offset itself, so
// history is one XRANGE. Exact MAXLEN costs one entry removal per append in steady state (the
// deleted entry is flagged inside its listpack node; the node is freed once empty) — cheap, and
// unlike `MAXLEN ~` it makes "history beyond the cap" exact. PUBLISH happens in the same script,
// so history and live delivery agree on content and order. The channel is the room's shard
// channel (see `liveChannel`), so the message names its room.
const PUBLISH_LUA = `${GENERATION_LUA}
local t = redis.call('TIME')
local ttl = tonumber(ARGV[3])
local epoch = generation(t, ttl)
local seq = redis.call('INCR', KEYS[2])
local id = epoch .. '-' .. seq
local ts = t[1] .. string.format('%03d', math.floor(tonumber(t[2]) / 1000))
redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[2], id, 'ts', ts, 'body', ARGV[1])
if ttl > 0 then
  redis.call('EXPIRE', KEYS[1], ttl)
  redis.call('EXPIRE', KEYS[2], ttl)
  redis.call('EXPIRE', KEYS[3], ttl)
end
redis.call('PUBLISH', ARGV[4], id .. ' ' .. ts .. ' ' .. ARGV[5] .. ' ' .. ARGV[1])
return {id, ts}
`;

// ARGV: since epoch ('' for none), since seq, ttl. Creates the generation of an empty room, so
// the offset handed out now stays valid for the first publish (and a reset in between is caught).
const HISTORY_LUA = `${GENERATION_LUA}
local epoch = generation(redis.call('TIME'), tonumber(ARGV[3]))
local top = redis.call('GET', KEYS[2])
local entries = {}
if ARGV[1] == epoch and tonumber(ARGV[2]) < tonumber(top) then
  entries = redis.call('XRANGE', KEYS[1], '(' .. epoch .. '-' .. ARGV[2], '+')
end
return {epoch, top, entries}
`;

interface BusScripts {
  wirefleetBusPublish(
    ...args: [string, string, string, string, number, number, string, string]
  ): Promise<unknown>;
  wirefleetBusHistory(...args: [string, string, string, string, string, number]): Promise<unknown>;
}

/** Registers the scripts; ioredis then sends EVALSHA and falls back to EVAL after a script flush. */
export function defineBusScripts(redis: Redis): void {
  redis.defineCommand('wirefleetBusPublish', { numberOfKeys: 3, lua: PUBLISH_LUA });
  redis.defineCommand('wirefleetBusHistory', { numberOfKeys: 3, lua: HISTORY_LUA });
}

export async function runPublish(
  redis: Redis,
  k: RoomKeys,
  body: string,
  historySize: number,
  ttl: number,
): Promise<{ offset: string; ts: number }> {
  const scripts = redis as unknown as BusScripts;
  const reply = await scripts.wirefleetBusPublish(
    k.stream,
    k.seq,
    k.epoch,
    body,
    historySize,
    ttl,
    k.channel,
    k.room,
  );
  if (!Array.isArray(reply) || typeof reply[0] !== 'string' || typeof reply[1] !== 'string') {
    throw new Error(`unexpected reply from the bus publish script: ${JSON.stringify(reply)}`);
  }
  return { offset: reply[0], ts: Number(reply[1]) };
}

/** The room's epoch and top seq, plus the raw entries after `since` when it is of that epoch. */
export async function readHistory(
  redis: Redis,
  k: RoomKeys,
  since: ParsedOffset | undefined,
  ttl: number,
): Promise<{ epoch: string; top: number; entries: unknown[] }> {
  const scripts = redis as unknown as BusScripts;
  const sinceEpoch = since?.epoch ?? '';
  const reply = await scripts.wirefleetBusHistory(
    k.stream,
    k.seq,
    k.epoch,
    sinceEpoch,
    String(since?.seq ?? 0),
    ttl,
  );
  if (!Array.isArray(reply) || typeof reply[0] !== 'string' || typeof reply[1] !== 'string') {
    throw new Error(`unexpected reply from the bus history script: ${JSON.stringify(reply)}`);
  }
  return { epoch: reply[0], top: Number(reply[1]), entries: Array.isArray(reply[2]) ? reply[2] : [] };
}

export interface RoomKeys {
  room: string;
  stream: string;
  seq: string;
  epoch: string;
  /** The room's shard channel: live events of every room of its shard. */
  channel: string;
}

/**
 * Live events travel on LIVE_CHANNEL_SHARDS channels, not one per room: a gateway subscribes a
 * shard's channel the first time one of its rooms gets a listener and keeps it until it closes,
 * so after the first few connections joining a room costs no Redis command at all (no SUBSCRIBE
 * per connection's own room). An instance receives the events of every room of the shards it
 * listens to and drops those of rooms it has no listener for — for a control plane's event rate
 * a small price (docs/gateway.md, "Scaling out"). Publishers and subscribers must agree on the
 * number: it is part of the wire format.
 */
export const LIVE_CHANNEL_SHARDS = 64;

/** The shard of `room`: FNV-1a of its UTF-16 code units, modulo LIVE_CHANNEL_SHARDS. */
export function shardOf(room: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < room.length; i += 1) {
    hash ^= room.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % LIVE_CHANNEL_SHARDS;
}

export function liveChannel(prefix: string, shard: number): string {
  return `${prefix}bus:live:${shard}`;
}

/**
 * All keys of a room share the hash tag `{room:<name>}`, so they live in one Cluster slot and one
 * script may touch them. A `}` inside a room name only shortens the tag, identically for each key.
 */
export function roomKeys(prefix: string, room: string): RoomKeys {
  const base = `${prefix}{room:${room}}`;
  return {
    room,
    stream: `${base}:stream`,
    seq: `${base}:seq`,
    epoch: `${base}:epoch`,
    channel: liveChannel(prefix, shardOf(room)),
  };
}

export function encodeBody(event: string, dataJson: string): string {
  return `{"event":${JSON.stringify(event)},"data":${dataJson}}`;
}

/** The room a live message is for (rooms hold no whitespace), without decoding the rest. */
export function roomOfMessage(message: string): string | undefined {
  const first = message.indexOf(' ');
  const second = first < 0 ? -1 : message.indexOf(' ', first + 1);
  const third = second < 0 ? -1 : message.indexOf(' ', second + 1);
  return third < 0 ? undefined : message.slice(second + 1, third);
}

/** Live message: `<offset> <ts> <room> <body>`, body being `{"event":…,"data":…}`. */
export function decodeMessage(room: string, message: string): BusEvent | undefined {
  const first = message.indexOf(' ');
  const second = message.indexOf(' ', first + 1);
  const third = message.indexOf(' ', second + 1);
  if (first < 0 || second < 0 || third < 0 || message.slice(second + 1, third) !== room) return undefined;
  return decodeParts(
    room,
    message.slice(0, first),
    message.slice(first + 1, second),
    message.slice(third + 1),
  );
}

/**
 * The room's newest history entries, newest first, `count` of them from `before` (exclusive; the
 * newest when undefined). Used to find what a room joined without a known offset missed.
 */
export async function readNewest(
  redis: Redis,
  k: RoomKeys,
  count: number,
  before?: string,
): Promise<unknown[]> {
  const end = before === undefined ? '+' : `(${before}`;
  return (await redis.xrevrange(k.stream, end, '-', 'COUNT', count)) as unknown[];
}

/** History entry as XRANGE returns it: `[id, [field, value, …]]`. */
export function decodeEntry(room: string, entry: unknown): BusEvent | undefined {
  if (!Array.isArray(entry) || typeof entry[0] !== 'string' || !Array.isArray(entry[1])) return undefined;
  const fields = entry[1] as unknown[];
  const value = (name: string) => {
    const i = fields.indexOf(name);
    return i >= 0 && i % 2 === 0 ? fields[i + 1] : undefined;
  };
  return decodeParts(room, entry[0], value('ts'), value('body'));
}

function decodeParts(room: string, offset: unknown, ts: unknown, body: unknown): BusEvent | undefined {
  if (
    typeof offset !== 'string' ||
    !parseOffset(offset) ||
    typeof ts !== 'string' ||
    typeof body !== 'string'
  ) {
    return undefined;
  }
  const time = Number(ts);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined; // the caller logs the raw message; the parse error adds nothing
  }
  if (!Number.isFinite(time) || typeof parsed !== 'object' || parsed === null) return undefined;
  const { event, data } = parsed as { event?: unknown; data?: unknown };
  if (typeof event !== 'string') return undefined;
  return Object.freeze({ room, event, data: data ?? null, offset, ts: time });
}
