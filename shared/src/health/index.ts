export {
  type CheckOutcome,
  isReady,
  probeReadiness,
  publicChecks,
  READINESS_TIMEOUT_MS,
  type ReadinessCheck,
  ReadinessLog,
  type ReadinessSample,
  readinessSampler,
} from './readiness.js';
export { connectRedisAtStart, logRedisConnectionChanges, openServiceRedis } from './redis-connection.js';
