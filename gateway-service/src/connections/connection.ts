import type { EventFrame } from '@wirefleet/shared/protocol';
import type { Role } from '@wirefleet/shared/tokens';
import type { WebSocket } from 'uWebSockets.js';
import type { OneOrMany } from './one-or-many.js';
import type { TokenBucket } from './token-bucket.js';

/**
 * What the gateway knows about one connection; uWS keeps it as the socket's user data.
 * `ws` is set on open and cleared on close: after close the socket must not be touched.
 */
export interface Connection {
  id: string;
  sub: string;
  kind: 'user' | 'node';
  /** The numeric id in `sub`. */
  subjectId: number;
  /** The role of its latest token (a `refresh` frame moves it). */
  role: Role;
  sid: string;
  /** Token expiry, seconds since the epoch; a `refresh` frame moves it. */
  expiresAt: number;
  /** `iat` of its latest token: a user revocation closes connections whose token predates it. */
  issuedAt: number;
  ip: string;
  /** Rooms it is live in: usually just its own, kept as one string until a second arrives. */
  rooms: OneOrMany<string> | undefined;
  /**
   * Rooms being joined: live events that arrive while history is replayed wait here. Created
   * on the first join and dropped when the last completes — most connections are idle, and
   * memory per connection is a budget (docs/benchmarks.md).
   */
  pending?: Map<string, Array<EventFrame | GapMark>> | undefined;
  /** Inbound rate limit; made at the first frame the client sends. */
  bucket?: TokenBucket | undefined;
  badFrames: number;
  ws: WebSocket<Connection> | undefined;
}

/**
 * Where, among the events buffered for a joining connection, the Bus lost continuity: the
 * connection is told `recovered:false` at that point of its stream.
 */
export interface GapMark {
  type: 'gap';
  offset: string;
}
