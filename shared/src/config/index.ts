export { parseEnv, envField, exactOrigin, ConfigError, type Env } from './env.js';
export {
  connectionFailure,
  endpointOf,
  errorCode,
  type ListenTarget,
  listenStartupError,
  probeListen,
  redisStartupError,
  reportStartupFailure,
  StartupError,
} from './startup-error.js';
