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

const SWEEP_INTERVAL_MS = 250;

/**
 * The gateway's timers: a sweep every 250 ms (slow consumers each time, expired tokens every
 * fourth), and the renewal of this instance's node leases three times per lease. Returns the
 * function that stops both.
 */
export function startHousekeeping(options: {
  registry: ConnectionRegistry;
  maxBackpressureBytes: number;
  nodeLeaseSeconds: number;
  close: (connection: Connection, code: number, reason: string) => void;
  onSlowConsumer: () => void;
  renewLeases: () => Promise<void>;
  onRenewFailure: (error: unknown) => void;
  now: () => number;
}): () => void {
  let ticks = 0;
  const sweeper = setInterval(() => {
    ticks += 1;
    const nowSeconds = Math.floor(options.now() / 1000);
    const sweep = {
      maxBackpressureBytes: options.maxBackpressureBytes,
      nowSeconds,
      checkExpiry: ticks % 4 === 0,
    };
    sweepConnections(options.registry, sweep, options.close, options.onSlowConsumer);
  }, SWEEP_INTERVAL_MS);
  const renewer = setInterval(
    () => options.renewLeases().catch(options.onRenewFailure),
    (options.nodeLeaseSeconds * 1000) / 3,
  );
  sweeper.unref();
  renewer.unref();
  return () => {
    clearInterval(sweeper);
    clearInterval(renewer);
  };
}
