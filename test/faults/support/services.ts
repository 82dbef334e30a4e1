import path from 'node:path';
import { ADMIN_PASSWORD, ADMIN_USERNAME } from '../../support/auth-api.js';
import { authApiEntry, gatewayEntry } from './entry-points.js';
import { type ExitRecord, ManagedProcess } from './managed-process.js';
import { FAULT_SETTINGS } from './settings.js';

/** What the auth-api and gateway instances of one run share. */
export interface ServiceWiring {
  runDir: string;
  logDir: string;
  marker: Record<string, string>;
  databaseUrl: string;
  redisUrl: string;
  /** The proxies every client, agent and gateway goes through (loopback ports). */
  authProxyPort: number;
  gatewayProxyPort: number;
  onExit: (exit: ExitRecord) => void;
  onSpawn: (pid: number) => void;
}

function baseEnv(wiring: ServiceWiring): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: wiring.runDir, LOG_LEVEL: 'info', ...wiring.marker };
}

/**
 * One auth-api instance. Both instances share the keys folder (one signing key, so either can
 * verify what the other signed) and the public URL: the proxy, which is also the tokens' issuer.
 * Rate limits are raised out of the way: every request comes from 127.0.0.1.
 */
export function authApiProcess(wiring: ServiceWiring, name: string, port: number): ManagedProcess {
  const env = {
    ...baseEnv(wiring),
    AUTH_API_HOST: '127.0.0.1',
    AUTH_API_PORT: String(port),
    AUTH_PUBLIC_URL: `http://127.0.0.1:${wiring.authProxyPort}`,
    GATEWAY_PUBLIC_URL: `ws://127.0.0.1:${wiring.gatewayProxyPort}/ws`,
    DATABASE_URL: wiring.databaseUrl,
    REDIS_URL: wiring.redisUrl,
    JWT_KEYS_DIR: path.join(wiring.runDir, 'keys'),
    DATA_DIR: path.join(wiring.runDir, 'auth-data'),
    ADMIN_USERNAME,
    ADMIN_PASSWORD,
    ARGON2_MEMORY_KIB: '1024',
    ARGON2_ITERATIONS: '1',
    COMMAND_TTL_SECONDS: String(FAULT_SETTINGS.commandTtlSeconds),
    INGEST_CLAIM_IDLE_SECONDS: String(FAULT_SETTINGS.ingestClaimIdleSeconds),
    LOGIN_LIMIT_PER_IP_PER_MINUTE: '1000000',
    LOGIN_FAILURES_PER_USER_IP: '1000000',
    LOGIN_BACKOFF_AFTER_FAILURES: '1000000',
    REFRESH_LIMIT_PER_IP_PER_MINUTE: '1000000',
    ENROLL_LIMIT_PER_IP_PER_MINUTE: '1000000',
  };
  return new ManagedProcess(
    {
      name,
      args: authApiEntry().args,
      env,
      logFile: path.join(wiring.logDir, `${name}.log`),
      healthUrl: `http://127.0.0.1:${port}/healthz`,
    },
    wiring.onExit,
    wiring.onSpawn,
  );
}

/** One gateway instance; it fetches the JWKS through the auth proxy, so either auth-api serves it. */
export function gatewayProcess(wiring: ServiceWiring, name: string, port: number): ManagedProcess {
  const env = {
    ...baseEnv(wiring),
    GATEWAY_HOST: '127.0.0.1',
    GATEWAY_PORT: String(port),
    REDIS_URL: wiring.redisUrl,
    AUTH_JWKS_URL: `http://127.0.0.1:${wiring.authProxyPort}/.well-known/jwks.json`,
    GATEWAY_INSTANCE_ID: name,
    GATEWAY_NODE_LEASE_SECONDS: String(FAULT_SETTINGS.nodeLeaseSeconds),
  };
  return new ManagedProcess(
    {
      name,
      args: gatewayEntry().args,
      env,
      logFile: path.join(wiring.logDir, `${name}.log`),
      healthUrl: `http://127.0.0.1:${port}/healthz`,
    },
    wiring.onExit,
    wiring.onSpawn,
  );
}
