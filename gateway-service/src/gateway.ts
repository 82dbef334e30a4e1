import type { Bus } from '@wirefleet/shared/bus';
import type { IngestSink } from '@wirefleet/shared/ingest';
import type { Logger } from '@wirefleet/shared/logging';
import { CloseCode, parseRoom, type ServerFrame } from '@wirefleet/shared/protocol';
import { AccessTokenVerifier, type KeySet } from '@wirefleet/shared/tokens';
import type { TemplatedApp, WebSocket } from 'uWebSockets.js';
import type { LoadedTls } from '@wirefleet/shared/tls';
import type { GatewayConfig } from './config.js';
import type { Connection } from './connections/connection.js';
import { ConnectionRegistry } from './connections/connection-registry.js';
import { closeSlowConsumers, sweepConnections } from './connections/housekeeping.js';
import { FrameHandler } from './frames/frame-handler.js';
import { NodePresence, CONTROL_ROOM } from './nodes/node-presence.js';
import type { NodeLeases } from './nodes/node-leases.js';
import { registerHttpRoutes } from './ops/http-routes.js';
import { GatewayMetrics } from './ops/metrics.js';
import { ownRoom } from './rooms/room-policy.js';
import { RoomHub, type TopicTransport } from './rooms/room-hub.js';
import { WriteCoalescing } from './rooms/write-coalescing.js';
import { createUpgradeHandler } from './upgrade/upgrade-handler.js';
import { closeRevoked, RevocationFeed, RevocationList } from './revocations/index.js';
import type { RevocationStore } from '@wirefleet/shared/revocations';
import type { UwsModule } from './uws/load-uws.js';
import { GatewayListener } from './uws/listener.js';

export interface GatewayDeps {
  uws: UwsModule;
  bus: Bus;
  keySet: KeySet;
  ingest: IngestSink;
  leases: NodeLeases;
  /** Where the auth-api keeps revocations; loaded before the gateway serves (see `start`). */
  revocations: RevocationStore;
  logger: Logger;
  now?: () => number;
}

export interface Gateway {
  /** Subscribers of a uWS topic (a room) on this instance, over every app it serves from. */
  numSubscribers(topic: string): number;
  metrics: GatewayMetrics;
  registry: ConnectionRegistry;
  hub: RoomHub;
  revocations: RevocationList;
  /** Loads the stored revocations and follows new ones; must resolve before `listen`. */
  start(): Promise<void>;
  listen(
    host: string,
    port: number,
  ): Promise<{ port: number; certificate: LoadedTls['summary'] | undefined }>;
  /** TLS only: serves the certificate on disk now to new connections (uws/listener.ts). */
  reloadTls(): LoadedTls['summary'];
  /** Stops accepting, closes every connection with 1001, stops timers. */
  drain(): Promise<void>;
}

const SWEEP_INTERVAL_MS = 250;

/** Wires one gateway instance: uWS app, rooms, frames, node presence, housekeeping. */
export function createGateway(config: GatewayConfig, deps: GatewayDeps): Gateway {
  const now = deps.now ?? Date.now;
  const logger = deps.logger;
  const registry = new ConnectionRegistry();
  let draining = false;

  const close = (connection: Connection, code: number, reason: string) => {
    const ws = connection.ws;
    if (!ws) return;
    metrics.closes.inc({ code: String(code) });
    ws.end(code, reason);
  };
  const sendRaw = (connection: Connection, frames: string[]) => {
    const ws = connection.ws;
    if (!ws || frames.length === 0) return;
    // Sends from outside a uWS callback (after an await, from Redis) must be corked.
    ws.cork(() => {
      for (const frame of frames) ws.send(frame);
    });
  };
  const send = (connection: Connection, frame: ServerFrame) => sendRaw(connection, [JSON.stringify(frame)]);

  const transport: TopicTransport = {
    publish: (topic, frame) => {
      const receivers = listener.app.numSubscribers(topic);
      if (receivers > 0) listener.app.publish(topic, frame, false);
      return receivers;
    },
    send: sendRaw,
    subscribe: (connection, topic) => connection.ws?.subscribe(topic),
    unsubscribe: (connection, topic) => connection.ws?.unsubscribe(topic),
  };
  const slowConsumer = () => metrics.slowConsumerCloses.inc();
  const coalescing = new WriteCoalescing(config.writeDelay);
  const hub = new RoomHub(
    deps.bus,
    transport,
    logger.child({ subsystem: 'rooms' }),
    (room) => registry.ofSubject(room),
    {
      coalescing,
      consumers: {
        everyBytes: Math.max(1, Math.floor(config.maxBackpressureBytes / 4)),
        check: (members) => closeSlowConsumers(members, config.maxBackpressureBytes, close, slowConsumer),
        delivered: (_room, deliveries) => metrics.messagesOut.inc(deliveries),
      },
    },
  );
  const metrics = new GatewayMetrics({
    connections: () => registry.size,
    rooms: () => hub.roomCount,
    deliveriesPerSecond: () => coalescing.deliveriesPerSecond(),
    writeDelayMs: () => coalescing.holdMs(),
  });
  const verifier = new AccessTokenVerifier({ keySet: deps.keySet, issuer: config.issuer, now });
  const revocations = new RevocationList();
  const revocationFeed = new RevocationFeed({
    bus: deps.bus,
    store: deps.revocations,
    list: revocations,
    logger: logger.child({ subsystem: 'revocations' }),
    onRevoked: (entry) => closeRevoked(entry, registry, close),
    now,
  });
  const presence = new NodePresence({
    bus: deps.bus,
    leases: deps.leases,
    ingest: deps.ingest,
    registry,
    instanceId: config.instanceId,
    logger: logger.child({ subsystem: 'nodes' }),
    close,
    now,
  });
  const frames = new FrameHandler({
    hub,
    bus: deps.bus,
    verifier,
    revocations,
    registry,
    ingest: deps.ingest,
    metrics,
    logger: logger.child({ subsystem: 'frames' }),
    instanceId: config.instanceId,
    maxPayloadBytes: config.maxPayloadBytes,
    maxRoomsPerConnection: config.maxRoomsPerConnection,
    rateLimit: config.rateLimit,
    send,
    close,
    now,
  });

  // Server events that act on connections: a logout closes the session's sockets, a deleted
  // node loses its connection.
  hub.observe((event) => {
    const room = parseRoom(event.room);
    if (room?.kind === 'user' && event.event === 'session.revoked') {
      const sid = (event.data as { sid?: unknown } | null)?.sid;
      if (typeof sid !== 'string') return;
      for (const connection of registry.ofSession(sid))
        close(connection, CloseCode.TOKEN_EXPIRED, 'session revoked');
    } else if (room?.kind === 'node' && event.event === 'node.deleted') {
      for (const connection of registry.ofSubject(event.room))
        close(connection, CloseCode.FORBIDDEN, 'node deleted');
    }
  });
  const control = deps.bus.subscribe(CONTROL_ROOM, (event) => presence.onControlEvent(event));
  control.catch((error: unknown) => logger.error({ err: error }, 'could not subscribe to the control room'));

  const mount = (app: TemplatedApp) => {
    app.ws<Connection>('/ws', {
      // uWS hard limits sit above the contract limits so that *we* answer with the contract's
      // close codes (4000 for a large frame, 4009 for a slow reader) before uWS cuts a socket.
      maxPayloadLength: config.maxPayloadBytes * 2,
      maxBackpressure: config.maxBackpressureBytes * 4,
      closeOnBackpressureLimit: 1,
      idleTimeout: config.idleTimeoutSeconds,
      sendPingsAutomatically: true,
      upgrade: createUpgradeHandler({
        verifier,
        revocations,
        registry,
        metrics,
        logger,
        allowedOrigins: config.allowedOrigins,
        maxConnectionsPerUser: config.maxConnectionsPerUser,
        isDraining: () => draining,
        now,
      }),
      open: (ws: WebSocket<Connection>) => {
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
          close(connection, CloseCode.INTERNAL_ERROR, 'could not join its own room, try again');
        });
        if (connection.kind === 'node') {
          presence
            .connected(connection)
            .catch((error: unknown) => logger.error({ err: error }, 'node presence failed'));
        }
      },
      message: (ws, message, isBinary) => frames.handle(ws.getUserData(), message, isBinary),
      close: (ws, code) => {
        const connection = ws.getUserData();
        connection.ws = undefined;
        registry.remove(connection);
        hub.leaveAll(connection);
        if (connection.kind === 'node') {
          presence
            .disconnected(connection, code)
            .catch((error: unknown) => logger.error({ err: error }, 'node presence failed'));
        }
      },
    });
    registerHttpRoutes(
      app,
      metrics,
      { bus: deps.bus, keySet: deps.keySet },
      logger.child({ subsystem: 'readiness' }),
    );
  };
  const listener = new GatewayListener({ uws: deps.uws, tls: config.tls, mount });

  let ticks = 0;
  const sweeper = setInterval(() => {
    ticks += 1;
    sweepConnections(
      registry,
      {
        maxBackpressureBytes: config.maxBackpressureBytes,
        nowSeconds: Math.floor(now() / 1000),
        checkExpiry: ticks % 4 === 0,
      },
      close,
      slowConsumer,
    );
  }, SWEEP_INTERVAL_MS);
  sweeper.unref();
  const renewer = setInterval(
    () => {
      presence
        .renewAll()
        .catch((error: unknown) => logger.warn({ err: error }, 'lease renewal sweep failed'));
    },
    (config.nodeLeaseSeconds * 1000) / 3,
  );
  renewer.unref();

  return {
    metrics,
    registry,
    hub,
    revocations,
    start: () => revocationFeed.start(),
    numSubscribers: (topic) => listener.app.numSubscribers(topic),
    listen: (host, port) => listener.listen(host, port),
    reloadTls: () => listener.reloadTls(),
    async drain() {
      draining = true;
      listener.stopListening();
      clearInterval(sweeper);
      clearInterval(renewer);
      hub.flush();
      for (const connection of [...registry.values()])
        close(connection, CloseCode.GOING_AWAY, 'server shutting down');
      await control.then((stop) => stop()).catch(() => undefined);
      await revocationFeed.stop().catch(() => undefined);
    },
  };
}
