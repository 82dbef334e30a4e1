export type { IngestSink, IngestSource, IngestDelivery } from './ingest.js';
export {
  type DecodedIngestEntry,
  decodeIngestEntry,
  decodeIngestRecord,
  encodeIngestEntry,
  INGEST_KIND_OF_NODE_EVENT,
  INGEST_KINDS,
  type IngestKind,
  type IngestRecord,
  ingestStreamKey,
} from './ingest-wire.js';
export { InProcessIngest } from './in-process-ingest.js';
export { RedisIngestSink } from './redis-ingest.js';
