import type { ServerFrame } from '@wirefleet/shared/protocol';
import type { GatewayMetrics } from '../ops/metrics.js';
import type { Connection } from './connection.js';

/** Closes a connection with a close code; what every policy that ends a connection calls. */
export type CloseConnection = (connection: Connection, code: number, reason: string) => void;

/**
 * Writes to a connection's socket, counted: every close by code, every frame corked. A
 * connection whose socket is gone (closed meanwhile) is skipped, so callers after an await
 * need no check of their own.
 */
export class SocketWriter {
  constructor(private readonly metrics: GatewayMetrics) {}

  readonly close: CloseConnection = (connection, code, reason) => {
    const ws = connection.ws;
    if (!ws) return;
    this.metrics.closes.inc({ code: String(code) });
    ws.end(code, reason);
  };

  readonly sendRaw = (connection: Connection, frames: string[]): void => {
    const ws = connection.ws;
    if (!ws || frames.length === 0) return;
    // Sends from outside a uWS callback (after an await, from Redis) must be corked.
    ws.cork(() => {
      for (const frame of frames) ws.send(frame);
    });
  };

  readonly send = (connection: Connection, frame: ServerFrame): void =>
    this.sendRaw(connection, [JSON.stringify(frame)]);

  readonly slowConsumerClosed = (): void => this.metrics.slowConsumerCloses.inc();
}
