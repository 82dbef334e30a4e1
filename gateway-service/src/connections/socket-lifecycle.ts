import type { Logger } from '@wirefleet/shared/logging';
import { CloseCode, type ServerFrame } from '@wirefleet/shared/protocol';
import type { AccessTokenVerifier } from '@wirefleet/shared/tokens';
import type { TemplatedApp, WebSocket } from 'uWebSockets.js';
import type { GatewayConfig } from '../config.js';
import type { FrameHandler } from '../frames/frame-handler.js';
import type { NodePresence } from '../nodes/node-presence.js';
import type { GatewayMetrics } from '../ops/metrics.js';
import type { RevocationList } from '../revocations/index.js';
import type { RoomHub } from '../rooms/room-hub.js';
import { ownRoom } from '../rooms/room-policy.js';
import { createUpgradeHandler } from '../upgrade/upgrade-handler.js';
import type { Connection } from './connection.js';
import type { ConnectionRegistry } from './connection-registry.js';
import type { SocketWriter } from './socket-writer.js';

export interface SocketLifecycleDeps {
  config: GatewayConfig;
  verifier: AccessTokenVerifier;
  revocations: RevocationList;
  registry: ConnectionRegistry;
  hub: RoomHub;
  frames: FrameHandler;
  presence: NodePresence;
  sockets: SocketWriter;
  metrics: GatewayMetrics;
  logger: Logger;
  isDraining: () => boolean;
  now: () => number;
}

/**
 * The `/ws` endpoint: a connection's life from the upgrade (token, Origin and limits checked
 * before any socket exists) through `open` (registered, joined to its own room, greeted) and
 * its frames, to `close` (forgotten everywhere, a node's presence released).
 */
export function mountWebSocket(app: TemplatedApp, deps: SocketLifecycleDeps): void {
  const { config } = deps;
  app.ws<Connection>('/ws', {
    // uWS hard limits sit above the contract limits so that *we* answer with the contract's
    // close codes (4000 for a large frame, 4009 for a slow reader) before uWS cuts a socket.
    maxPayloadLength: config.maxPayloadBytes * 2,
    maxBackpressure: config.maxBackpressureBytes * 4,
    closeOnBackpressureLimit: 1,
    idleTimeout: config.idleTimeoutSeconds,
    sendPingsAutomatically: true,
    upgrade: createUpgradeHandler({
      verifier: deps.verifier,
      revocations: deps.revocations,
      registry: deps.registry,
      metrics: deps.metrics,
      logger: deps.logger,
      allowedOrigins: config.allowedOrigins,
      maxConnectionsPerUser: config.maxConnectionsPerUser,
      isDraining: deps.isDraining,
      now: deps.now,
    }),
    open: (ws: WebSocket<Connection>) => opened(ws, deps),
    message: (ws, message, isBinary) => deps.frames.handle(ws.getUserData(), message, isBinary),
    close: (ws, code) => closed(ws.getUserData(), code, deps),
  });
}

function opened(ws: WebSocket<Connection>, deps: SocketLifecycleDeps): void {
  const { registry, hub, presence, logger } = deps;
  const connection = ws.getUserData();
  connection.ws = ws;
  registry.add(connection);
  // `welcome` goes out once the connection is live in its own room, as the first frame of
  // that join: an event published after a client saw `welcome` always reaches it.
  const room = ownRoom(connection);
  const welcome: ServerFrame = {
    type: 'welcome',
    conn_id: connection.id,
    sub: connection.sub,
    rooms: [room],
    expires_at: connection.expiresAt,
  };
  hub.join(connection, room, { greeting: JSON.stringify(welcome) }).catch((error: unknown) => {
    logger.error({ err: error, room }, 'automatic join failed');
    deps.sockets.close(connection, CloseCode.INTERNAL_ERROR, 'could not join its own room, try again');
  });
  if (connection.kind === 'node') {
    presence
      .connected(connection)
      .catch((error: unknown) => logger.error({ err: error }, 'node presence failed'));
  }
}

function closed(connection: Connection, code: number, deps: SocketLifecycleDeps): void {
  connection.ws = undefined;
  deps.registry.remove(connection);
  deps.hub.leaveAll(connection);
  if (connection.kind === 'node') {
    deps.presence
      .disconnected(connection, code)
      .catch((error: unknown) => deps.logger.error({ err: error }, 'node presence failed'));
  }
}
