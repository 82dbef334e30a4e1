import type { Redis } from 'ioredis';
import type { IngestSink } from './ingest.js';
import { encodeIngestEntry, type IngestRecord, ingestStreamKey } from './ingest-wire.js';

/** Roughly how many records the stream keeps; consumers are expected to be far ahead. */
const STREAM_MAX_LENGTH = 100_000;

/** Appends ingest records to a Redis Stream (`<prefix>ingest`), trimmed approximately. */
export class RedisIngestSink implements IngestSink {
  private readonly key: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.key = ingestStreamKey(prefix);
  }

  async append(record: IngestRecord): Promise<void> {
    await this.redis.xadd(this.key, 'MAXLEN', '~', STREAM_MAX_LENGTH, '*', ...encodeIngestEntry(record));
  }
}
