import { CloseCode } from '@wirefleet/shared/protocol';
import type { Connection } from './connection.js';
import type { ConnectionRegistry } from './connection-registry.js';

/**
 * One sweep over all connections: closes consumers whose outgoing buffer passed the limit
 * (4009) and connections whose token expired without a refresh (4001). A sweep is a plain
 * loop — at 20,000 connections it costs well under a millisecond.
 */
/** Closes the connections among `connections` whose outgoing buffer passed the limit. */
export function closeSlowConsumers(
  connections: Iterable<Connection>,
  maxBackpressureBytes: number,
  close: (connection: Connection, code: number, reason: string) => void,
  onSlowConsumer: () => void,
): void {
  for (const connection of connections) {
    if (connection.ws && connection.ws.getBufferedAmount() > maxBackpressureBytes) {
      onSlowConsumer();
      close(connection, CloseCode.SLOW_CONSUMER, 'too slow a consumer');
    }
  }
}

export function sweepConnections(
  registry: ConnectionRegistry,
  options: { maxBackpressureBytes: number; nowSeconds: number; checkExpiry: boolean },
  close: (connection: Connection, code: number, reason: string) => void,
  onSlowConsumer: () => void,
): void {
  for (const connection of registry.values()) {
    const ws = connection.ws;
    if (!ws) continue;
    if (ws.getBufferedAmount() > options.maxBackpressureBytes) {
      onSlowConsumer();
      close(connection, CloseCode.SLOW_CONSUMER, 'too slow a consumer');
    } else if (options.checkExpiry && connection.expiresAt <= options.nowSeconds) {
      close(connection, CloseCode.TOKEN_EXPIRED, 'token expired');
    }
  }
}
