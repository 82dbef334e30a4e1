import type { Bus } from '@wirefleet/shared/bus';
import type { Logger } from '@wirefleet/shared/logging';
import type { TemplatedApp } from 'uWebSockets.js';
import type { ConnectionRegistry } from '../connections/connection-registry.js';
import { closeSlowConsumers } from '../connections/housekeeping.js';
import type { SocketWriter } from '../connections/socket-writer.js';
import type { GatewayMetrics } from '../ops/metrics.js';
import { RoomHub, type TopicTransport } from './room-hub.js';
import { WriteCoalescing } from './write-coalescing.js';

/**
 * The room hub on uWS: rooms are uWS topics of `app` (one publish reaches every local member),
 * greetings and catch-up go to one socket, and a room's members are checked for slow reading
 * every quarter of the backpressure limit delivered.
 */
export function createUwsRoomHub(deps: {
  app: TemplatedApp;
  bus: Bus;
  registry: ConnectionRegistry;
  sockets: SocketWriter;
  metrics: GatewayMetrics;
  writeDelay: { delayMs: number; aboveRate: number };
  maxBackpressureBytes: number;
  logger: Logger;
}): { hub: RoomHub; coalescing: WriteCoalescing } {
  const { app, sockets, maxBackpressureBytes } = deps;
  const transport: TopicTransport = {
    publish: (topic, frame) => {
      const receivers = app.numSubscribers(topic);
      if (receivers > 0) app.publish(topic, frame, false);
      return receivers;
    },
    send: sockets.sendRaw,
    subscribe: (connection, topic) => connection.ws?.subscribe(topic),
    unsubscribe: (connection, topic) => connection.ws?.unsubscribe(topic),
  };
  const coalescing = new WriteCoalescing(deps.writeDelay);
  const hub = new RoomHub(deps.bus, transport, deps.logger, (room) => deps.registry.ofSubject(room), {
    coalescing,
    consumers: {
      everyBytes: Math.max(1, Math.floor(maxBackpressureBytes / 4)),
      check: (members) =>
        closeSlowConsumers(members, maxBackpressureBytes, sockets.close, sockets.slowConsumerClosed),
      delivered: (_room, deliveries) => deps.metrics.messagesOut.inc(deliveries),
    },
  });
  return { hub, coalescing };
}
