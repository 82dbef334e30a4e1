export {
  type Bus,
  type BusEvent,
  type HistoryResult,
  type ParsedOffset,
  compareOffsets,
  parseOffset,
  formatOffset,
} from './bus.js';
export { InProcessBus, type InProcessBusOptions } from './in-process-bus.js';
export { RedisBus, type RedisBusOptions } from './redis-bus.js';
