import type { Bus } from '@wirefleet/shared/bus';
import type { IngestSink } from '@wirefleet/shared/ingest';
import { type Logger, subsystemLogger } from '@wirefleet/shared/logging';
import { CloseCode } from '@wirefleet/shared/protocol';
import type { RevocationStore } from '@wirefleet/shared/revocations';
import type { LoadedTls } from '@wirefleet/shared/tls';
import { AccessTokenVerifier, type KeySet } from '@wirefleet/shared/tokens';
import type { GatewayConfig } from './config.js';
import { ConnectionRegistry } from './connections/connection-registry.js';
import { startHousekeeping } from './connections/housekeeping.js';
import { closeOnServerEvents } from './connections/server-event-policy.js';
import { mountWebSocket } from './connections/socket-lifecycle.js';
import { SocketWriter } from './connections/socket-writer.js';
import { FrameHandler } from './frames/frame-handler.js';
import type { NodeLeases } from './nodes/node-leases.js';
import { CONTROL_ROOM, NodePresence } from './nodes/node-presence.js';
import { registerHttpRoutes } from './ops/http-routes.js';
import { GatewayMetrics } from './ops/metrics.js';
import { closeRevoked, RevocationFeed, RevocationList } from './revocations/index.js';
import type { RoomHub } from './rooms/room-hub.js';
import { createUwsRoomHub } from './rooms/uws-room-hub.js';
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
  /** Local subscribers of a uWS topic (a room). */
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
  /** TLS only: serves the certificate on disk now to new connections that name the gateway (uws/listener.ts). */
  reloadTls(): LoadedTls['summary'];
  /** Stops accepting, closes every connection with 1001, stops timers. */
  drain(): Promise<void>;
}

/** What carries frames: metrics, sockets, the registry of connections, the uWS app and its rooms. */
function buildTransport(config: GatewayConfig, deps: GatewayDeps) {
  const metrics = new GatewayMetrics();
  const sockets = new SocketWriter(metrics);
  const registry = new ConnectionRegistry();
  const listener = new GatewayListener(deps.uws, config.tls);
  const { hub, coalescing } = createUwsRoomHub({
    app: listener.app,
    bus: deps.bus,
    registry,
    sockets,
    metrics,
    writeDelay: config.writeDelay,
    maxBackpressureBytes: config.maxBackpressureBytes,
    logger: subsystemLogger(deps.logger, 'rooms'),
  });
  metrics.observe({
    connections: () => registry.size,
    rooms: () => hub.roomCount,
    deliveriesPerSecond: () => coalescing.deliveriesPerSecond(),
    writeDelayMs: () => coalescing.holdMs(),
  });
  return { metrics, sockets, registry, listener, hub };
}

type Transport = ReturnType<typeof buildTransport>;

/** What decides about connections: token checks, revocations, node presence, client frames. */
function buildHandlers(config: GatewayConfig, deps: GatewayDeps, transport: Transport, now: () => number) {
  const { bus, logger } = deps;
  const { registry, sockets, hub, metrics } = transport;
  const verifier = new AccessTokenVerifier({ keySet: deps.keySet, issuer: config.issuer, now });
  const revocations = new RevocationList();
  const feed = new RevocationFeed({
    bus,
    store: deps.revocations,
    list: revocations,
    logger: subsystemLogger(logger, 'revocations'),
    onRevoked: (entry) => closeRevoked(entry, registry, sockets.close),
    now,
  });
  const presence = new NodePresence({
    bus,
    leases: deps.leases,
    ingest: deps.ingest,
    registry,
    instanceId: config.instanceId,
    logger: subsystemLogger(logger, 'nodes'),
    close: sockets.close,
    now,
  });
  const frames = new FrameHandler({
    hub,
    bus,
    verifier,
    revocations,
    registry,
    ingest: deps.ingest,
    metrics,
    logger: subsystemLogger(logger, 'frames'),
    instanceId: config.instanceId,
    maxPayloadBytes: config.maxPayloadBytes,
    maxRoomsPerConnection: config.maxRoomsPerConnection,
    rateLimit: config.rateLimit,
    send: sockets.send,
    close: sockets.close,
    now,
  });
  return { verifier, revocations, feed, presence, frames };
}

/**
 * Wires one gateway instance: its parts (buildTransport, buildHandlers), the policies that act on connections
 * (server events, revocations), the `/ws` endpoint and HTTP routes, and the timers.
 */
export function createGateway(config: GatewayConfig, deps: GatewayDeps): Gateway {
  const now = deps.now ?? Date.now;
  const { logger } = deps;
  const transport = buildTransport(config, deps);
  const handlers = buildHandlers(config, deps, transport, now);
  const { metrics, sockets, registry, listener, hub } = transport;
  const { revocations, feed, presence } = handlers;
  let draining = false;
  closeOnServerEvents(hub, registry, sockets.close);
  const control = deps.bus.subscribe(CONTROL_ROOM, (event) => presence.onControlEvent(event));
  control.catch((error: unknown) => logger.error({ err: error }, 'could not subscribe to the control room'));
  listener.serve((app) => {
    mountWebSocket(app, { ...transport, ...handlers, config, logger, now, isDraining: () => draining });
    registerHttpRoutes(
      app,
      metrics,
      { bus: deps.bus, keySet: deps.keySet },
      subsystemLogger(logger, 'readiness'),
    );
  });
  const stopHousekeeping = startHousekeeping({
    registry,
    maxBackpressureBytes: config.maxBackpressureBytes,
    nodeLeaseSeconds: config.nodeLeaseSeconds,
    close: sockets.close,
    onSlowConsumer: sockets.slowConsumerClosed,
    renewLeases: () => presence.renewAll(),
    onRenewFailure: (error) => logger.warn({ err: error }, 'lease renewal sweep failed'),
    now,
  });
  return {
    ...{ metrics, registry, hub, revocations },
    start: () => feed.start(),
    numSubscribers: (topic) => listener.app.numSubscribers(topic),
    listen: (host, port) => listener.listen(host, port),
    reloadTls: () => listener.reloadTls(),
    async drain() {
      draining = true;
      listener.stopListening();
      stopHousekeeping();
      hub.flush();
      for (const connection of [...registry.values()])
        sockets.close(connection, CloseCode.GOING_AWAY, 'server shutting down');
      await control.then((stop) => stop()).catch(() => undefined);
      await feed.stop().catch(() => undefined);
    },
  };
}
