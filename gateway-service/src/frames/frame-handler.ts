import type { Bus } from '@wirefleet/shared/bus';
import { INGEST_KIND_OF_NODE_EVENT, type IngestSink } from '@wirefleet/shared/ingest';
import type { Logger } from '@wirefleet/shared/logging';
import {
  type ClientFrame,
  CloseCode,
  clientFrame,
  type FrameErrorCode,
  nodeEventSchemas,
  type NodePublishableEvent,
  type ServerFrame,
} from '@wirefleet/shared/protocol';
import { type AccessTokenVerifier, TokenError } from '@wirefleet/shared/tokens';
import type { Connection } from '../connections/connection.js';
import type { ConnectionRegistry } from '../connections/connection-registry.js';
import { hasMember, memberCount, membersOf } from '../connections/one-or-many.js';
import { TokenBucket } from '../connections/token-bucket.js';
import type { GatewayMetrics } from '../ops/metrics.js';
import type { RevocationList } from '../revocations/index.js';
import { mayPublish, maySubscribe, ownRoom } from '../rooms/room-policy.js';
import type { RoomHub } from '../rooms/room-hub.js';
import { ThrottledLog } from '../ops/throttled-log.js';

/** After this many malformed or forbidden frames a connection is closed with 4000. */
const MAX_BAD_FRAMES = 20;

export interface FrameHandlerDeps {
  hub: RoomHub;
  bus: Bus;
  verifier: AccessTokenVerifier;
  revocations: RevocationList;
  registry: ConnectionRegistry;
  ingest: IngestSink;
  metrics: GatewayMetrics;
  logger: Logger;
  instanceId: string;
  maxPayloadBytes: number;
  maxRoomsPerConnection: number;
  /** Inbound frames per connection: sustained rate and burst (4008 beyond). */
  rateLimit: { perSecond: number; burst: number };
  send(connection: Connection, frame: ServerFrame): void;
  close(connection: Connection, code: number, reason: string): void;
  now(): number;
}

/** Everything a client may say after the upgrade: parse, authorise, act, answer. */
export class FrameHandler {
  private readonly failures = new ThrottledLog();

  constructor(private readonly deps: FrameHandlerDeps) {}

  handle(connection: Connection, message: ArrayBuffer, isBinary: boolean): void {
    const { deps } = this;
    // Made at the first frame: most connections never send one, and a full bucket made now is
    // what a bucket made at the upgrade would hold after any idle time.
    connection.bucket ??= new TokenBucket(deps.rateLimit.perSecond, deps.rateLimit.burst, deps.now());
    if (!connection.bucket.take(deps.now())) {
      deps.close(connection, CloseCode.RATE_LIMITED, 'rate limited');
      return;
    }
    if (isBinary || message.byteLength > deps.maxPayloadBytes) {
      deps.close(connection, CloseCode.PROTOCOL_VIOLATION, isBinary ? 'binary frames are not accepted' : 'frame too large');
      return;
    }
    // The ArrayBuffer is only valid during this callback: decode it now.
    const text = Buffer.from(message).toString('utf8');
    let frame: ClientFrame;
    try {
      const parsed = clientFrame.safeParse(JSON.parse(text));
      if (!parsed.success) {
        this.refuse(connection, 'bad_request', parsed.error.issues[0]?.message ?? 'invalid frame', idOf(text));
        return;
      }
      frame = parsed.data;
    } catch {
      this.refuse(connection, 'bad_request', 'frames must be JSON text', undefined);
      return;
    }
    deps.metrics.messagesIn.inc({ type: frame.type });
    // A frame sent before `welcome` waits for the automatic join, so every answer follows it.
    const welcomed = deps.hub.joined(connection, ownRoom(connection));
    (welcomed ? welcomed.then(() => this.dispatch(connection, frame)) : this.dispatch(connection, frame)).catch((error: unknown) => {
      // Mostly the bus being away (every publishing node hits it): one line per interval.
      const logged = this.failures.take();
      if (logged) deps.logger.error({ err: error, conn: connection.id, type: frame.type, ...logged }, 'frame handling failed');
      if (connection.ws) deps.send(connection, errorFrame('internal_error', 'could not handle the frame', frame.id));
    });
  }

  private async dispatch(connection: Connection, frame: ClientFrame): Promise<void> {
    const { deps } = this;
    switch (frame.type) {
      case 'ping':
        deps.send(connection, frame.id ? { type: 'pong', id: frame.id } : { type: 'pong' });
        return;
      case 'subscribe': {
        if (!maySubscribe(connection, frame.room)) return this.refuse(connection, 'forbidden', `may not subscribe to ${frame.room}`, frame.id);
        // Each room costs memory here and a Redis subscription: a viewer cannot subscribe to every node.
        if (!isInOrJoining(connection, frame.room) && roomCount(connection) >= deps.maxRoomsPerConnection) {
          return this.refuse(connection, 'rate_limited', `at most ${deps.maxRoomsPerConnection} rooms per connection`, frame.id);
        }
        await deps.hub.join(connection, frame.room, { since: frame.since, acknowledge: { id: frame.id } });
        return;
      }
      case 'unsubscribe':
        deps.hub.leave(connection, frame.room);
        deps.send(connection, withId({ type: 'unsubscribed', room: frame.room }, frame.id));
        return;
      case 'publish':
        return this.publish(connection, frame);
      case 'refresh':
        return this.refresh(connection, frame);
    }
  }

  private async publish(connection: Connection, frame: Extract<ClientFrame, { type: 'publish' }>): Promise<void> {
    const { deps } = this;
    if (!mayPublish(connection, frame.room, frame.event)) {
      return this.refuse(connection, 'forbidden', `may not publish ${frame.event} to ${frame.room}`, frame.id);
    }
    const event = frame.event as NodePublishableEvent;
    const data = nodeEventSchemas[event].safeParse(frame.data);
    if (!data.success) {
      return this.refuse(connection, 'bad_request', `${event}: ${data.error.issues[0]?.message ?? 'invalid data'}`, frame.id);
    }
    const published = await deps.bus.publish(frame.room, event, data.data);
    await deps.ingest.append({
      kind: INGEST_KIND_OF_NODE_EVENT[event],
      node_id: connection.subjectId,
      data: data.data,
      ts: published.ts,
      gateway: deps.instanceId,
      conn_id: connection.id,
      offset: published.offset,
    });
    if (frame.id && connection.ws) deps.send(connection, { type: 'published', room: frame.room, offset: published.offset, id: frame.id });
  }

  private async refresh(connection: Connection, frame: Extract<ClientFrame, { type: 'refresh' }>): Promise<void> {
    const { deps } = this;
    try {
      const claims = await deps.verifier.verify(frame.token);
      if (claims.sub !== connection.sub) {
        return this.refuse(connection, 'forbidden', 'a refresh token must be for the same subject', frame.id);
      }
      if (deps.revocations.refuses(claims)) {
        deps.metrics.authFailures.inc({ reason: 'revoked' });
        deps.send(connection, errorFrame('unauthorized', 'refresh refused', frame.id));
        return;
      }
      if (!connection.ws) return;
      connection.expiresAt = claims.exp;
      connection.issuedAt = claims.iat;
      deps.registry.changeSid(connection, claims.sid);
      // The connection's role is its latest token's: rooms the new role may not hold are left.
      connection.role = claims.role;
      this.leaveForbiddenRooms(connection);
      deps.send(connection, withId({ type: 'refreshed', expires_at: claims.exp }, frame.id));
    } catch (error) {
      if (!(error instanceof TokenError)) throw error;
      deps.metrics.authFailures.inc({ reason: error.reason });
      // A bad refresh leaves the connection as it was: it still closes at the old expiry.
      deps.send(connection, errorFrame('unauthorized', `refresh refused: ${error.reason}`, frame.id));
    }
  }

  private leaveForbiddenRooms(connection: Connection): void {
    for (const room of membersOf(connection.rooms)) {
      if (maySubscribe(connection, room)) continue;
      this.deps.hub.leave(connection, room);
      this.deps.send(connection, { type: 'unsubscribed', room });
    }
  }

  private refuse(connection: Connection, code: FrameErrorCode, message: string, id: string | undefined): void {
    connection.badFrames += 1;
    if (connection.badFrames > MAX_BAD_FRAMES) {
      this.deps.close(connection, CloseCode.PROTOCOL_VIOLATION, 'too many bad frames');
      return;
    }
    if (connection.ws) this.deps.send(connection, errorFrame(code, message, id));
  }
}

function errorFrame(code: FrameErrorCode, message: string, id: string | undefined): ServerFrame {
  return withId({ type: 'error', code, message }, id);
}

function withId<F extends ServerFrame>(frame: F, id: string | undefined): F {
  return id === undefined ? frame : { ...frame, id };
}

/** Best effort: echo the id of a frame that failed validation, so the client can match the error. */
function idOf(text: string): string | undefined {
  try {
    const value = (JSON.parse(text) as { id?: unknown }).id;
    return typeof value === 'string' && value.length <= 64 ? value : undefined;
  } catch {
    return undefined;
  }
}

function isInOrJoining(connection: Connection, room: string): boolean {
  return hasMember(connection.rooms, room) || connection.pending?.has(room) === true;
}

function roomCount(connection: Connection): number {
  return memberCount(connection.rooms) + (connection.pending?.size ?? 0);
}
