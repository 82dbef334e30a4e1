import type { Bus, BusEvent, BusGap } from '@wirefleet/shared/bus';
import type { Logger } from '@wirefleet/shared/logging';
import type { Connection } from '../connections/connection.js';
import { hasMember, membersOf, withMember, withoutMember } from '../connections/one-or-many.js';
import { HeldEvents } from './held-events.js';
import { WriteCoalescing } from './write-coalescing.js';
import { dropPending, joinKey, type RoomState, stopJoining } from './room-state.js';
import {
  type ConsumerChecks,
  type HubOptions,
  type JoinRequest,
  type JoinResult,
  NO_CONSUMER_CHECKS,
  type TopicTransport,
} from './room-hub-contracts.js';
import { joinFrames, serialiseEvent, subscribedFrame, toEventFrame } from './room-frames.js';
import { SharedReplays } from './shared-replays.js';

export type {
  ConsumerChecks,
  HubOptions,
  JoinRequest,
  JoinResult,
  TopicTransport,
} from './room-hub-contracts.js';

/**
 * Bridges Bus rooms to uWebSockets.js topics on this instance. A room is subscribed on the
 * Bus while at least one local connection is in it; each Bus event is serialised once and
 * handed to uWS, which fans it out in C++.
 *
 * A connection's own room (`user:<id>` of a user, `node:<id>` of a node — the room named by
 * its `sub`) is the exception: its events are sent to the owner directly, found through
 * `ownersOf` (the connection registry's index by subject), and never through a uWS topic. Every
 * connection sits in its own room, almost always alone there; a uWS topic per connection cost
 * native memory and a topic-tree insert per upgrade for a room that fans out to one socket.
 *
 * Joining is gap-free: the connection is registered as "pending" before the Bus subscription
 * and history are awaited, live events meanwhile are buffered for it, and it is added to the
 * uWS topic only after history + buffer were sent — in one synchronous step, so nothing can
 * slip between the replay and live delivery.
 */
export class RoomHub {
  private readonly rooms = new Map<string, RoomState>();
  private readonly observers: Array<(event: BusEvent) => void> = [];
  private readonly joining = new Map<string, Promise<JoinResult | undefined>>();
  private readonly coalescing: WriteCoalescing;
  private readonly held: HeldEvents;
  private readonly consumers: ConsumerChecks;
  /** One listener for every room: a closure per room would be one more object per connection. */
  private readonly onBusEvent = (event: BusEvent) => this.receive(event);
  private readonly onBusGap = (gap: BusGap) => this.announceGap(gap);
  /** Resubscribes with the same `since` (a reconnect storm) share one history read. */
  private readonly replays = new SharedReplays((room, since) => this.bus.history(room, since));

  constructor(
    private readonly bus: Bus,
    private readonly transport: TopicTransport,
    private readonly logger: Logger,
    /** The open connections whose `sub` is `room` (the owners of that room); usually none or one. */
    private readonly ownersOf: (room: string) => Connection[],
    options: Partial<HubOptions> = {},
  ) {
    this.coalescing = options.coalescing ?? new WriteCoalescing({ delayMs: 0, aboveRate: 0 });
    this.held = new HeldEvents(this.coalescing, (event) => this.deliver(event));
    this.consumers = options.consumers ?? NO_CONSUMER_CHECKS;
  }

  /** Sends the held events now (a join completing, a drain). */
  flush(): void {
    this.held.flush();
  }

  /** Sees every event of every room this instance is subscribed to (session revocation, node deletion). */
  observe(observer: (event: BusEvent) => void): void {
    this.observers.push(observer);
  }

  get roomCount(): number {
    return this.rooms.size;
  }

  /** Joins `room` as `request` says; resolves once the connection is live in it. */
  async join(
    connection: Connection,
    room: string,
    request: JoinRequest = {},
  ): Promise<JoinResult | undefined> {
    // One join per room and connection at a time: a `subscribe` racing the automatic join
    // of the same room waits for it, then proceeds as a re-subscribe.
    const key = joinKey(connection, room);
    const previous = this.joining.get(key);
    const now = previous ? undefined : this.joinAtOnce(connection, room, request);
    if (now) return now;
    const current = previous
      ? previous.catch(() => undefined).then(() => this.joinNow(connection, room, request))
      : this.joinNow(connection, room, request);
    this.joining.set(key, current);
    try {
      return await current;
    } finally {
      if (this.joining.get(key) === current) this.joining.delete(key);
    }
  }

  /** Settles when a join of `room` in flight for `connection` does; undefined when none is. */
  joined(connection: Connection, room: string): Promise<unknown> | undefined {
    if (!connection.pending?.has(room)) return undefined;
    return this.joining.get(joinKey(connection, room))?.catch(() => undefined);
  }

  private async joinNow(
    connection: Connection,
    room: string,
    request: JoinRequest,
  ): Promise<JoinResult | undefined> {
    const { since, acknowledge } = request;
    if (!connection.ws) return undefined;
    if (hasMember(connection.rooms, room)) {
      if (since === undefined) {
        const history = await this.bus.history(room);
        const result = { offset: history.offset, recovered: true };
        if (acknowledge && connection.ws)
          this.transport.send(connection, [subscribedFrame(room, result, acknowledge.id)]);
        return result;
      }
      // Already live in the room (e.g. joined automatically on connect) but the client asks
      // for a replay: leave the topic and buffer live events, then replay as for a new join.
      connection.rooms = withoutMember(connection.rooms, room);
      this.leaveTopic(connection, room);
    }
    connection.pending ??= new Map();
    connection.pending.set(room, []);
    const state = this.enter(connection, room);
    state.joining ??= new Set();
    state.joining.add(connection);
    try {
      await state.subscription;
      // An automatic join (no `since`, nobody to tell the offset) needs no history read: it
      // only has to start live delivery; that saves a Redis round trip per upgrade.
      const history =
        since === undefined && !acknowledge
          ? { events: [], recovered: true, offset: '' }
          : await (since === undefined ? this.bus.history(room) : this.replays.history(room, since));
      return this.completeJoin(connection, room, request, history);
    } catch (error) {
      dropPending(connection, room);
      this.leave(connection, room);
      throw error;
    }
  }

  /**
   * An automatic join (no `since`, nobody to tell the offset) into a room that is live here or
   * that the Bus can deliver at once completes without awaiting anything: a connection's
   * greeting then leaves in the same write as the upgrade's 101, and the upgrade costs no Redis
   * command. Undefined when the join has to wait for the Bus.
   */
  private joinAtOnce(connection: Connection, room: string, request: JoinRequest): JoinResult | undefined {
    if (request.since !== undefined || request.acknowledge || !connection.ws) return undefined;
    if (hasMember(connection.rooms, room) || connection.pending?.has(room)) return undefined;
    const state = this.rooms.get(room);
    if (state) {
      if (!state.live) return undefined;
      state.members = withMember(state.members, connection);
    } else {
      const stop = this.bus.subscribeNow(room, this.onBusEvent, this.onBusGap);
      if (!stop) return undefined;
      this.rooms.set(room, {
        members: connection,
        subscription: Promise.resolve(stop),
        live: true,
        bytesSinceCheck: 0,
      });
    }
    connection.pending ??= new Map();
    connection.pending.set(room, []);
    return this.completeJoin(connection, room, request, { events: [], recovered: true, offset: '' });
  }

  private completeJoin(
    connection: Connection,
    room: string,
    { since, acknowledge, greeting }: JoinRequest,
    history: { events: BusEvent[]; recovered: boolean; offset: string },
  ): JoinResult | undefined {
    // Held events of this room reached this instance before the join completes: they must
    // reach the joining connection's buffer (and be deduplicated against history) before it
    // goes live. Only then: a flush per join would defeat write coalescing when thousands of
    // connections join their own rooms at once (a reconnect storm), one write per event.
    if (this.held.holds(room)) this.held.flush();
    const buffered = connection.pending?.get(room);
    dropPending(connection, room);
    const state = this.rooms.get(room);
    if (state) stopJoining(state, connection);
    // Closed or left while we waited: nothing to deliver.
    if (!buffered || !connection.ws || !state || !hasMember(state.members, connection)) return undefined;
    const result = { offset: history.offset, recovered: since === undefined ? true : history.recovered };
    const frames = joinFrames(room, { since, acknowledge, greeting }, history, buffered, result);
    connection.rooms = withMember(connection.rooms, room);
    this.transport.send(connection, frames);
    this.joinTopic(connection, room);
    return result;
  }

  leave(connection: Connection, room: string): void {
    connection.rooms = withoutMember(connection.rooms, room);
    dropPending(connection, room);
    if (connection.ws) this.leaveTopic(connection, room);
    const state = this.rooms.get(room);
    if (!state || !hasMember(state.members, connection)) return;
    stopJoining(state, connection);
    const members = withoutMember(state.members, connection);
    if (members !== undefined) {
      state.members = members;
      return;
    }
    this.rooms.delete(room);
    this.replays.forget(room);
    state.subscription
      .then((stop) => stop())
      .catch((error: unknown) => this.logger.warn({ err: error, room }, 'could not drop a bus subscription'));
  }

  /** On close: uWS already dropped the socket's topics; only the bookkeeping remains. */
  leaveAll(connection: Connection): void {
    for (const room of [...membersOf(connection.rooms), ...(connection.pending?.keys() ?? [])])
      this.leave(connection, room);
  }

  /** Own rooms are delivered by direct send (see the class comment), so they have no topic. */
  private joinTopic(connection: Connection, room: string): void {
    if (connection.sub !== room) this.transport.subscribe(connection, room);
  }

  private leaveTopic(connection: Connection, room: string): void {
    if (connection.sub !== room) this.transport.unsubscribe(connection, room);
  }

  private enter(connection: Connection, room: string): RoomState {
    let state = this.rooms.get(room);
    if (!state) {
      const subscription = this.bus.subscribe(room, this.onBusEvent, this.onBusGap);
      const entered: RoomState = { members: connection, subscription, bytesSinceCheck: 0 };
      state = entered;
      this.rooms.set(room, state);
      subscription.then(
        () => {
          entered.live = true;
        },
        () => undefined,
      );
      subscription.catch((error: unknown) => {
        this.logger.error({ err: error, room }, 'bus subscription failed');
        if (this.rooms.get(room) === state) this.rooms.delete(room);
      });
    }
    state.members = withMember(state.members, connection);
    return state;
  }

  private receive(event: BusEvent): void {
    this.replays.observe(event);
    for (const observer of this.observers) {
      try {
        observer(event);
      } catch (error) {
        this.logger.error({ err: error, room: event.room, event: event.event }, 'room observer failed');
      }
    }
    this.held.offer(event);
  }

  /**
   * The Bus lost continuity in `gap.room` (Redis dropped or was reset): every connection in the
   * room gets an unsolicited `subscribed … recovered:false` at that point of its stream
   * (CONTRACT §5), so no client is left with a silent gap.
   */
  private announceGap(gap: BusGap): void {
    this.replays.forget(gap.room);
    const state = this.rooms.get(gap.room);
    if (!state) return;
    // Events held for coalescing came before the gap and must reach clients before its notice.
    this.held.flush();
    this.logger.warn(
      { room: gap.room, offset: gap.offset },
      'room continuity lost; its connections are told to resync',
    );
    if (state.joining)
      for (const member of state.joining)
        member.pending?.get(gap.room)?.push({ type: 'gap', offset: gap.offset });
    this.fanOut(gap.room, subscribedFrame(gap.room, { offset: gap.offset, recovered: false }, undefined));
  }

  /** Hands `frame` to every live member of `room`: the uWS topic, then the room's owners. */
  private fanOut(room: string, frame: string): number {
    let deliveries = this.transport.publish(room, frame);
    for (const owner of this.ownersOf(room)) {
      // Live in its own room; an owner still joining has the frame buffered by the caller.
      if (owner.ws && hasMember(owner.rooms, room)) {
        this.transport.send(owner, [frame]);
        deliveries += 1;
      }
    }
    return deliveries;
  }

  private deliver(event: BusEvent): void {
    const state = this.rooms.get(event.room);
    if (state) {
      const frame = serialiseEvent(event);
      if (state.joining)
        for (const member of state.joining) member.pending?.get(event.room)?.push(toEventFrame(event));
      const deliveries = this.fanOut(event.room, frame);
      this.consumers.delivered(event.room, deliveries);
      this.coalescing.delivered(deliveries);
      state.bytesSinceCheck += frame.length;
      if (state.bytesSinceCheck >= this.consumers.everyBytes) {
        state.bytesSinceCheck = 0;
        this.consumers.check(membersOf(state.members));
      }
    }
  }
}
