export {
  type LimiterFactory,
  type LimiterOptions,
  memoryLimiterFactory,
  redisLimiterFactory,
  consumeOrThrow,
  throwIfExhausted,
  reserveOrThrow,
  refund,
} from './limiter-factory.js';
export { type AttemptTicket, LoginGuard, type LoginLimits } from './login-guard.js';
