/**
 * Offsets: where an event sits in its room's history, `<epoch>-<seq>`. Part of the protocol —
 * clients send them back in `subscribe {since}` and compare them to drop duplicates — so the
 * browser client and the server share these functions, and the client imports nothing of the
 * server's bus.
 */

/** An offset taken apart: `<epoch>-<seq>`, both non-negative decimal integers. */
export interface ParsedOffset {
  /** Identifies one history generation of a room; a reset starts a new epoch. */
  epoch: string;
  /** Position within the epoch; the first event of an epoch has seq 1, seq 0 means "before it". */
  seq: number;
}

// No leading zeros, so that one offset has exactly one spelling and string equality works.
const OFFSET_PATTERN = /^(0|[1-9]\d{0,19})-(0|[1-9]\d{0,15})$/;

/** Parses an offset; undefined for anything a Bus could not have issued (e.g. a client's garbage). */
export function parseOffset(offset: string): ParsedOffset | undefined {
  const match = OFFSET_PATTERN.exec(offset);
  if (!match) return undefined;
  const seq = Number(match[2]);
  if (!Number.isSafeInteger(seq)) return undefined;
  return { epoch: match[1]!, seq };
}

export function formatOffset(epoch: string, seq: number): string {
  // join builds one flat string; a template literal builds a rope of three (V8 cons strings),
  // ~100 bytes more for every offset a subscriber keeps.
  return [epoch, seq].join('-');
}

/**
 * Orders two offsets of the same room: negative when `a` is older, 0 when equal, positive when
 * newer. Epochs compare numerically first; both implementations derive a new epoch from the
 * clock, so a later generation normally sorts after an earlier one, but only offsets of the
 * same epoch are guaranteed to be ordered. Throws TypeError on a malformed offset — validate
 * client input with {@link parseOffset} first.
 */
export function compareOffsets(a: string, b: string): number {
  const pa = parseOffset(a);
  const pb = parseOffset(b);
  if (!pa || !pb) throw new TypeError(`malformed bus offset: ${JSON.stringify(pa ? b : a)}`);
  if (pa.epoch !== pb.epoch) {
    // Decimal strings without leading zeros: the longer one is larger, else lexicographic.
    const byLength = pa.epoch.length - pb.epoch.length;
    if (byLength !== 0) return Math.sign(byLength);
    return pa.epoch < pb.epoch ? -1 : 1;
  }
  return Math.sign(pa.seq - pb.seq);
}

/**
 * `true` when `offset` comes after `reference` (or there is no reference). An unparseable one
 * counts as newer: dropping an event we cannot order is worse than showing it twice.
 */
export function isNewerOffset(offset: string, reference: string | undefined): boolean {
  if (reference === undefined) return true;
  if (!parseOffset(offset) || !parseOffset(reference)) return true;
  return compareOffsets(offset, reference) > 0;
}
