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
export { type AttemptTicket, KEEP_RESERVED, refundOnSuccess } from './attempt-ticket.js';
export { LoginGuard, type LoginLimits } from './login-guard.js';
