import type { BusEvent, HistoryResult } from '@wirefleet/shared/bus';
import { isNewerOffset } from '@wirefleet/shared/protocol';

/** How long one Bus read serves the joins that ask for the same room and `since`. */
export const SHARED_REPLAY_MS = 5_000;
/** Live events kept per room after a read; past this the room's reads start over. */
export const MAX_SHARED_TAIL = 1_000;

interface SharedRead {
  issuedAt: number;
  result: Promise<HistoryResult>;
}

interface RoomReplays {
  /** Every event of the room received live since its oldest kept read was issued, in order. */
  tail: BusEvent[];
  reads: Map<string, SharedRead>;
}

/**
 * Replays of one room shared by the connections that resubscribe it with the same `since`.
 * After a gateway restart every dashboard resubscribes `fleet` from the same offset, and each
 * node room's viewers from one offset too: 46,000 history reads of a 12,000-connection storm,
 * each as large as what was published meanwhile, timed out in Redis. Here one Bus read per room
 * and offset serves every such join for SHARED_REPLAY_MS, extended with the events the hub
 * received live since that read was issued.
 *
 * Gap-free for a join that starts buffering after the read was issued: the hub issues reads
 * only once its Bus subscription of the room is up, and from the moment a read is issued every
 * live event of the room lands in the tail (`observe`), so result + tail holds everything after
 * `since` up to now; the join's own buffer overlaps it and is de-duplicated by offset.
 * `forget(room)` must be called wherever that continuity ends: a gap, the room left on the Bus.
 */
export class SharedReplays {
  private readonly rooms = new Map<string, RoomReplays>();

  constructor(
    private readonly read: (room: string, since: string) => Promise<HistoryResult>,
    private readonly now: () => number = Date.now,
  ) {}

  /** The Bus's answer to `history(room, since)`, from a shared read when one is fresh. */
  async history(room: string, since: string): Promise<HistoryResult> {
    const replays = this.live(room) ?? { tail: [], reads: new Map<string, SharedRead>() };
    this.rooms.set(room, replays);
    let shared = replays.reads.get(since);
    if (!shared) {
      const read: SharedRead = { issuedAt: this.now(), result: this.read(room, since) };
      shared = read;
      replays.reads.set(since, read);
      // A failed read is not shared with later joins (this one still sees the rejection).
      read.result.catch(() => {
        if (replays.reads.get(since) === read) replays.reads.delete(since);
      });
    }
    const result = await shared.result;
    // The tail was dropped while the read was in flight (a gap, the room left, too many events
    // or too old): it no longer vouches for what came after the read, so read again. The join
    // is buffering by now, so its own read is gap-free.
    if (this.rooms.get(room) !== replays) return this.read(room, since);
    // Taken after the await: events that arrived meanwhile are in the tail too.
    const later = replays.tail.filter((event) => isNewerOffset(event.offset, result.offset));
    if (later.length === 0) return result;
    const offset = later.at(-1)!.offset;
    // Not recovered: the client resyncs anyway, from the newest offset known here.
    return result.recovered
      ? { events: [...result.events, ...later], recovered: true, offset }
      : { ...result, offset };
  }

  /** Every live event of every room the hub is subscribed to, in order. */
  observe(event: BusEvent): void {
    const replays = this.live(event.room);
    if (!replays) return;
    if (replays.tail.push(event) > MAX_SHARED_TAIL) this.rooms.delete(event.room);
  }

  /** The room's continuity on the Bus ended (a gap, or the hub left the room): drop its reads. */
  forget(room: string): void {
    this.rooms.delete(room);
  }

  /** The room's replays with their expired reads dropped; undefined (and forgotten) when none is left. */
  private live(room: string): RoomReplays | undefined {
    const replays = this.rooms.get(room);
    if (!replays) return undefined;
    const now = this.now();
    for (const [since, read] of replays.reads)
      if (now - read.issuedAt > SHARED_REPLAY_MS) replays.reads.delete(since);
    if (replays.reads.size > 0) return replays;
    this.rooms.delete(room);
    return undefined;
  }
}
