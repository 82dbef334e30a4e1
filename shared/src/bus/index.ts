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
export { InProcessBus, type InProcessBusOptions } from './in-process-bus.js';
export { RedisBus, type RedisBusOptions } from './redis-bus.js';

/**
 * How long a room's history outlives its last event in production. Without an expiry every room
 * ever used (deleted nodes, departed users) keeps its keys forever; a client that comes back after
 * this long gets `recovered: false` and reloads, as after any reset.
 */
export const ROOM_HISTORY_TTL_SECONDS = 7 * 24 * 60 * 60;
