export { IngestProcessor, type IngestProcessorOptions } from './ingest-processor.js';
export { OfflineSweeper, type OfflineSweeperOptions } from './offline-sweeper.js';
export { RedisIngestSource, type RedisIngestSourceOptions } from './redis-ingest-source.js';
