/**
 * Reading a signed config's payload by difference. The auth-api signs `JSON.stringify(config)`;
 * a config that changes one peer of 10,000 differs from the last in one peer's text and the
 * head (revision, issued_at). Parsing all 1.7 MB again builds 10,000 peers' objects — with the
 * agent's 1 MiB young generation, most of a one-peer change — only for all but one to be found
 * equal to the last ones. So the verifier keeps the last payload's bytes and where each peer's
 * text lies in them, and reads a new payload as: the fields around the peers (parsed), the
 * peers' text before and after the changed run (byte-compared with the last payload's, natively)
 * and the changed run (parsed). Anything this cannot read exactly — the text after the peers
 * changed, text that is not JSON.stringify's — returns undefined and the payload is parsed whole.
 */

const PEERS_KEY = Buffer.from('"peers":[');

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Where the peers lie in one payload's bytes. */
export interface PayloadIndex {
  bytes: Buffer;
  /** Offsets of the peers array's `[` and `]`. */
  open: number;
  close: number;
  /** Each peer's text in the array body (offsets from `open + 1`): `[starts[k], ends[k])`. */
  starts: Int32Array;
  ends: Int32Array;
}

/** The peers of a payload as the last payload's with `deleteCount` of them from `start` replaced by `items`. */
export interface PeerSplice {
  start: number;
  deleteCount: number;
  /** Parsed, not checked. */
  items: unknown[];
}

/** A payload read by difference: every field but `peers`, and the splice that makes its peers. */
export interface SplicedPayload {
  rest: Record<string, unknown>;
  splice: PeerSplice;
  /** The index of this payload, for reading the next one. */
  index: PayloadIndex;
}

/**
 * The payload's fields other than `peers`, parsed from the text around the peers array, when
 * that array is exactly the top-level `peers`: the text parses with either of two values in
 * its place, and `peers` is each time that value (nested or shadowed, it would not be).
 */
function parseAround(bytes: Buffer, open: number, close: number): Record<string, unknown> | undefined {
  const head = bytes.toString('utf8', 0, open);
  const tail = bytes.toString('utf8', close + 1);
  try {
    const zero: unknown = JSON.parse(`${head}0${tail}`);
    const one: unknown = JSON.parse(`${head}1${tail}`);
    if (!isRecord(zero) || !isRecord(one) || zero.peers !== 0 || one.peers !== 1) return undefined;
    delete zero.peers;
    return zero;
  } catch {
    return undefined;
  }
}

/** Each item's JSON.stringify text, when their join is exactly `text`; else undefined. */
function canonicalTexts(items: readonly unknown[], text: string): string[] | undefined {
  const texts = items.map((item) => JSON.stringify(item));
  return texts.join(',') === text ? texts : undefined;
}

/** Offsets of `texts` laid out from `from`, one comma apart, into `starts`/`ends` at `at`. */
function layOut(
  texts: readonly string[],
  from: number,
  starts: Int32Array,
  ends: Int32Array,
  at: number,
): void {
  let offset = from;
  for (let k = 0; k < texts.length; k += 1) {
    starts[at + k] = offset;
    offset += Buffer.byteLength(texts[k]!);
    ends[at + k] = offset;
    offset += 1;
  }
}

/**
 * Indexes a payload parsed whole: `peers` is its raw peers array. Undefined when its text is
 * not laid out as JSON.stringify lays it out (then the next payload is parsed whole too).
 */
export function indexPayload(bytes: Buffer, peers: unknown): PayloadIndex | undefined {
  if (!Array.isArray(peers) || peers.length === 0) return undefined;
  const keyAt = bytes.indexOf(PEERS_KEY);
  if (keyAt < 0) return undefined;
  const open = keyAt + PEERS_KEY.length - 1;
  const texts = peers.map((peer) => JSON.stringify(peer));
  const body = Buffer.from(texts.join(','));
  const close = open + 1 + body.length;
  if (close >= bytes.length || bytes[close] !== 0x5d || !body.equals(bytes.subarray(open + 1, close)))
    return undefined;
  if (parseAround(bytes, open, close) === undefined) return undefined;
  const starts = new Int32Array(peers.length);
  const ends = new Int32Array(peers.length);
  layOut(texts, 0, starts, ends, 0);
  return { bytes, open, close, starts, ends };
}

/** Length of the common prefix of a[aFrom…] and b[bFrom…], at most `max`: binary search over native compares. */
function commonPrefix(a: Buffer, aFrom: number, b: Buffer, bFrom: number, max: number): number {
  let low = 0;
  let high = max;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (a.compare(b, bFrom, bFrom + mid, aFrom, aFrom + mid) === 0) low = mid;
    else high = mid - 1;
  }
  return low;
}

/** Length of the common suffix of a[…aTo) and b[…bTo), at most `max`. */
function commonSuffix(a: Buffer, aTo: number, b: Buffer, bTo: number, max: number): number {
  let low = 0;
  let high = max;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (a.compare(b, bTo - mid, bTo, aTo - mid, aTo) === 0) low = mid;
    else high = mid - 1;
  }
  return low;
}

/** The last k with sorted[k] <= value (0 if none). */
function lastAtMost(sorted: Int32Array, value: number): number {
  let low = 0;
  let high = sorted.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (sorted[mid]! <= value) low = mid;
    else high = mid - 1;
  }
  return low;
}

/** The first k with sorted[k] >= value (the last index if none). */
function firstAtLeast(sorted: Int32Array, value: number): number {
  let low = 0;
  let high = sorted.length - 1;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (sorted[mid]! >= value) high = mid;
    else low = mid + 1;
  }
  return low;
}

/**
 * Reads `bytes` by difference from the payload `last` indexes: undefined when it cannot (see
 * the module comment). The run of last's peers `first..lastChanged` covers every byte that
 * differs in the array body; the new payload's text in their place is parsed as an array —
 * so the new body is the old one with those peers' text replaced by a valid list of values,
 * which is what JSON.parse of the whole would have read.
 */
export function readByDifference(last: PayloadIndex, bytes: Buffer): SplicedPayload | undefined {
  const old = last.bytes;
  const tailLength = old.length - last.close;
  const close = bytes.length - tailLength;
  const keyAt = bytes.indexOf(PEERS_KEY);
  const open = keyAt + PEERS_KEY.length - 1;
  if (keyAt < 0 || close <= open) return undefined;
  // The text after the peers (with their `]`) must be the last payload's.
  if (old.compare(bytes, close, bytes.length, last.close, old.length) !== 0) return undefined;
  const oldLength = last.close - last.open - 1;
  const newLength = close - open - 1;
  if (newLength === 0) return undefined;
  const shorter = Math.min(oldLength, newLength);
  const same = commonPrefix(old, last.open + 1, bytes, open + 1, shorter);
  const sameAfter = commonSuffix(old, last.close, bytes, close, shorter - same);
  const first = lastAtMost(last.starts, same);
  const lastChanged = firstAtLeast(last.ends, oldLength - sameAfter);
  const delta = newLength - oldLength;
  const from = last.starts[first]!;
  const to = last.ends[lastChanged]! + delta;
  const text = bytes.toString('utf8', open + 1 + from, open + 1 + to);
  let items: unknown;
  try {
    items = JSON.parse(`[${text}]`);
  } catch {
    return undefined;
  }
  if (!Array.isArray(items) || items.length === 0) return undefined;
  const texts = canonicalTexts(items, text);
  const rest = texts && parseAround(bytes, open, close);
  if (texts === undefined || rest === undefined) return undefined;
  const deleteCount = lastChanged - first + 1;
  const count = last.starts.length - deleteCount + items.length;
  const starts = new Int32Array(count);
  const ends = new Int32Array(count);
  starts.set(last.starts.subarray(0, first));
  ends.set(last.ends.subarray(0, first));
  layOut(texts, from, starts, ends, first);
  const after = first + items.length;
  starts.set(last.starts.subarray(lastChanged + 1), after);
  ends.set(last.ends.subarray(lastChanged + 1), after);
  if (delta !== 0)
    for (let k = after; k < count; k += 1) {
      starts[k]! += delta;
      ends[k]! += delta;
    }
  return { rest, splice: { start: first, deleteCount, items }, index: { bytes, open, close, starts, ends } };
}
