import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { type BusEvent, formatOffset, type HistoryResult, parseOffset } from './bus.js';
import { decodeEntry, type RoomKeys, readHistory, readNewest } from './redis-wire.js';

// Reading a room's history back: after an offset (a client's `since`, a catch-up from the last
// event delivered), or from a time (a catch-up of a room joined without an offset).

/** Entries read per XREVRANGE while walking a room's history back to a time. */
const PAGE = 100;

/**
 * The events of a room stamped at or after `fromMs` (Redis time), oldest first — read newest
 * first, a page at a time, until an older entry shows the walk went back far enough. Undefined
 * when history cannot vouch for that span: it ends before an entry older than `fromMs` and its
 * oldest entry is not the first of its generation (trimmed), or an entry does not decode.
 */
export async function eventsSince(
  redis: Redis,
  keys: RoomKeys,
  fromMs: number,
  maxEntries: number,
  decode: (entry: unknown) => BusEvent | undefined,
): Promise<BusEvent[] | undefined> {
  const newestFirst: BusEvent[] = [];
  let before: string | undefined;
  while (newestFirst.length < maxEntries) {
    const page = await readNewest(redis, keys, PAGE, before);
    for (const entry of page) {
      const event = decode(entry);
      if (!event) return undefined;
      if (event.ts < fromMs) return newestFirst.reverse();
      newestFirst.push(event);
    }
    if (page.length < PAGE) break;
    before = newestFirst[newestFirst.length - 1]!.offset;
  }
  const oldest = newestFirst[newestFirst.length - 1];
  // Walked to the start of the stream: complete only if that is where the generation starts.
  if (oldest && parseOffset(oldest.offset)?.seq !== 1) return undefined;
  return newestFirst.reverse();
}

/** Bus.history over Redis: the events after `since`, or recovered:false when any is missing. */
export async function historySince(
  redis: Redis,
  keys: RoomKeys,
  since: string | undefined,
  options: { ttl: number; logger: Logger },
): Promise<HistoryResult> {
  const parsed = since === undefined ? undefined : parseOffset(since);
  const { epoch, top, entries } = await readHistory(redis, keys, parsed, options.ttl);
  const offset = formatOffset(epoch, top);
  if (since === undefined) return { events: [], recovered: true, offset };
  if (!parsed || parsed.epoch !== epoch || parsed.seq > top) return { events: [], recovered: false, offset };
  const events = entries.map((e) => decodeEntry(keys.room, e));
  const complete =
    events.length === top - parsed.seq &&
    events.every((e, i) => e !== undefined && e.offset === formatOffset(epoch, parsed.seq + 1 + i));
  if (!complete) {
    if (events.includes(undefined))
      options.logger.error({ room: keys.room, since }, 'malformed bus history entry');
    return { events: [], recovered: false, offset };
  }
  return { events: events as BusEvent[], recovered: true, offset };
}
