export {
  type Bus,
  type BusEvent,
  type BusGap,
  type HistoryResult,
  type ParsedOffset,
  compareOffsets,
  parseOffset,
  formatOffset,
} from './bus.js';
import type { Logger } from '../logging/index.js';
import type { Bus } from './bus.js';
import { InProcessBus } from './in-process-bus.js';
import { RedisBus } from './redis-bus.js';

export { InProcessBus, type InProcessBusOptions } from './in-process-bus.js';
export { RedisBus, type RedisBusOptions } from './redis-bus.js';
export { LIVE_CHANNEL_SHARDS, liveChannel, shardOf } from './redis-wire.js';

/**
 * How long a room's history outlives its last event in production. Without an expiry every room
 * ever used (deleted nodes, departed users) keeps its keys forever; a client that comes back after
 * this long gets `recovered: false` and reloads, as after any reset.
 */
export const ROOM_HISTORY_TTL_SECONDS = 7 * 24 * 60 * 60;

/**
 * The production Bus of a service: Redis-backed with REDIS_URL (rooms' history kept
 * ROOM_HISTORY_TTL_SECONDS after their last event), in-process without it (single-process mode).
 */
export function busFromConfig(
  config: { redisUrl: string | undefined; redisKeyPrefix: string },
  logger: Logger,
): Bus {
  return config.redisUrl
    ? new RedisBus({
        url: config.redisUrl,
        keyPrefix: config.redisKeyPrefix,
        historyTtlSeconds: ROOM_HISTORY_TTL_SECONDS,
        logger,
      })
    : new InProcessBus({ logger });
}
