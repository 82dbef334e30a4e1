export type { IngestKind, IngestRecord, IngestSink, IngestSource, IngestDelivery } from './ingest.js';
export { InProcessIngest } from './in-process-ingest.js';
export { RedisIngestSink, ingestStreamKey } from './redis-ingest.js';
