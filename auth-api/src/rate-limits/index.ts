export {
  type LimiterFactory,
  type LimiterOptions,
  memoryLimiterFactory,
  redisLimiterFactory,
  consumeOrThrow,
  throwIfExhausted,
  recordFailure,
} from './limiter-factory.js';
export { LoginGuard, type LoginLimits } from './login-guard.js';
