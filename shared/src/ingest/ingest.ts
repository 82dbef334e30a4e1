/**
 * What gateways hand to the control plane for persistence: node telemetry and connection
 * changes. The gateway appends; the auth-api consumes (a consumer group, so several
 * instances share the work) and writes idempotently — delivery is at least once.
 */
export type IngestKind =
  | 'node.status'
  | 'node.config_applied'
  | 'node.command_result'
  | 'node.connected'
  | 'node.disconnected';

export interface IngestRecord {
  kind: IngestKind;
  node_id: number;
  /** The event payload as the node sent it (validated by the gateway), or connection details. */
  data: unknown;
  /** When the gateway received it, ms since the epoch. */
  ts: number;
  gateway: string;
  conn_id: string;
  /** The room offset the event got, when it was also published to the node's room. */
  offset?: string;
}

export interface IngestSink {
  /** Durably appends one record (Redis Stream or in-process queue). */
  append(record: IngestRecord): Promise<void>;
}

/** A delivered record with the id to acknowledge once it is persisted. */
export interface IngestDelivery {
  id: string;
  record: IngestRecord;
}

export interface IngestSource {
  /**
   * Calls `handle` for each record, at least once; a record is acknowledged only after
   * `handle` resolved, so a crash before that redelivers it. Resolves when stopped.
   */
  consume(handle: (deliveries: IngestDelivery[]) => Promise<void>): { stop(): Promise<void> };
}
