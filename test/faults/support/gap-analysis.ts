import { parseOffset } from '@wirefleet/shared/bus';

/** What one client saw, in the order it saw it. */
export type ClientEntry =
  | { t: number; kind: 'event'; room: string; offset: string }
  | { t: number; kind: 'subscribed'; room: string; offset: string; recovered: boolean; solicited: boolean };

/** Events a client never got although nothing told it so: a missing seq, or a new epoch. */
export interface Gap {
  client: string;
  room: string;
  at: number;
  after: string;
  next: string;
  /** Events missing within one epoch; undefined when the epoch changed (unknown how many). */
  missing: number | undefined;
}

export interface Repeat {
  client: string;
  room: string;
  at: number;
  offset: string;
}

/** A `subscribed … recovered:false` (unsolicited, or the answer to a resubscribe with `since`). */
export interface Notice {
  client: string;
  room: string;
  at: number;
  solicited: boolean;
}

export interface ClientAnalysis {
  gaps: Gap[];
  repeats: Repeat[];
  notices: Notice[];
  events: number;
}

/**
 * Follows each room's offsets (`<epoch>-<seq>`, shared/src/bus/bus.ts) through a client's log.
 * The position starts at the first `subscribed`; a `recovered:false` moves it to the offset that
 * frame names (the client was told: what lies between is not a silent gap). Each event must then
 * be the next seq of the same epoch: a higher seq is a gap, a lower or equal one a repeat, another
 * epoch a gap of unknown size (the room's history was reset and nobody said so).
 */
export function analyzeClient(client: string, entries: ClientEntry[]): ClientAnalysis {
  const position = new Map<string, { epoch: string; seq: number; offset: string }>();
  const result: ClientAnalysis = { gaps: [], repeats: [], notices: [], events: 0 };
  for (const entry of entries) {
    const parsed = parseOffset(entry.offset);
    if (!parsed) throw new Error(`${client} got a malformed offset ${JSON.stringify(entry.offset)} in ${entry.room}`);
    const here = position.get(entry.room);
    const next = { ...parsed, offset: entry.offset };
    if (entry.kind === 'subscribed') {
      if (!entry.recovered) {
        result.notices.push({ client, room: entry.room, at: entry.t, solicited: entry.solicited });
        position.set(entry.room, next);
      } else if (!here) {
        position.set(entry.room, next);
      }
      continue;
    }
    result.events += 1;
    if (!here) {
      position.set(entry.room, next);
      continue;
    }
    if (here.epoch === parsed.epoch && parsed.seq <= here.seq) {
      result.repeats.push({ client, room: entry.room, at: entry.t, offset: entry.offset });
      continue;
    }
    if (here.epoch !== parsed.epoch || parsed.seq > here.seq + 1) {
      const missing = here.epoch === parsed.epoch ? parsed.seq - here.seq - 1 : undefined;
      result.gaps.push({ client, room: entry.room, at: entry.t, after: here.offset, next: entry.offset, missing });
    }
    position.set(entry.room, next);
  }
  return result;
}

/** Gaps in [from, to] for which the client got no `recovered:false` for that room in [from, to]. */
export function silentGaps(analysis: ClientAnalysis, from: number, to: number): Gap[] {
  const told = new Set(analysis.notices.filter((n) => n.at >= from && n.at <= to).map((n) => n.room));
  return analysis.gaps.filter((gap) => gap.at >= from && gap.at <= to && !told.has(gap.room));
}
