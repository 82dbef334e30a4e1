export { parseEnv, envField, ConfigError, type Env } from './env.js';
