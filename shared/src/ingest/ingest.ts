import type { IngestRecord } from './ingest-wire.js';

/**
 * What gateways hand to the control plane for persistence: node telemetry and connection
 * changes. The gateway appends; the auth-api consumes (a consumer group, so several
 * instances share the work) and writes idempotently — delivery is at least once.
 */
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
