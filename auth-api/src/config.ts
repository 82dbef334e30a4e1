import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Env, envField, parseEnv } from '@wirefleet/shared/config';
import { MAX_ACCESS_TOKEN_TTL_SECONDS } from '@wirefleet/shared/tokens';
import { cidr, parseCidr } from '@wirefleet/shared/schemas';
import { type TlsFiles, tlsFilesFromEnv } from '@wirefleet/shared/tls';
import { z } from 'zod';
import type { FleetLimits } from './fleet/fleet-guard.js';
import type { LoginLimits } from './platform/rate-limits/index.js';

const DAY = 24 * 60 * 60;

const schema = z.object({
  AUTH_API_HOST: envField.host('127.0.0.1'),
  AUTH_API_PORT: envField.port(8080),
  /** PEM certificate chain and key: the auth-api terminates TLS itself (reloaded on SIGHUP). */
  AUTH_API_TLS_CERT_FILE: z.string().optional(),
  AUTH_API_TLS_KEY_FILE: z.string().optional(),
  AUTH_API_WORKERS: envField.positiveInt(1, 64),
  /** Public base URL of this API; the `iss` of every token. */
  AUTH_PUBLIC_URL: envField.url(['http', 'https']).optional(),
  DATABASE_URL: envField.url(['postgres', 'postgresql']).optional(),
  DATA_DIR: z.string().default('./.data'),
  REDIS_URL: envField.url(['redis', 'rediss']).optional(),
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_{}.-]*$/, 'expected letters, digits and : _ { } . -')
    .default('wf:'),
  JWT_KEYS_DIR: z.string().optional(),
  DATA_ENCRYPTION_KEY: z
    .string()
    .refine((value) => Buffer.from(value, 'base64').length === 32, 'expected 32 bytes, base64-encoded')
    .optional(),
  ACCESS_TOKEN_TTL_SECONDS: envField.positiveInt(MAX_ACCESS_TOKEN_TTL_SECONDS, MAX_ACCESS_TOKEN_TTL_SECONDS),
  REFRESH_TTL_SECONDS: envField.positiveInt(30 * DAY),
  REFRESH_ABSOLUTE_TTL_SECONDS: envField.positiveInt(90 * DAY),
  REFRESH_REUSE_GRACE_SECONDS: z.coerce.number().int().min(0).max(300).default(10),
  ARGON2_MEMORY_KIB: envField.positiveInt(48 * 1024, 4 * 1024 * 1024),
  ARGON2_ITERATIONS: envField.positiveInt(3, 100),
  ARGON2_PARALLELISM: envField.positiveInt(1, 16),
  ARGON2_MAX_CONCURRENCY: envField.positiveInt(Math.max(1, os.availableParallelism()), 256),
  ARGON2_MAX_QUEUE: z.coerce.number().int().min(0).max(100_000).default(64),
  LOGIN_LIMIT_PER_IP_PER_MINUTE: envField.positiveInt(60),
  LOGIN_FAILURES_PER_USER_IP: envField.positiveInt(10),
  LOGIN_BACKOFF_AFTER_FAILURES: envField.positiveInt(5),
  REFRESH_LIMIT_PER_IP_PER_MINUTE: envField.positiveInt(600),
  TOTP_FAILURES_PER_USER: envField.positiveInt(5),
  TRUST_PROXY: z.string().default('false'),
  FLEET_NETWORK_CIDR: cidr
    .default('100.96.0.0/16')
    .refine((value) => parseCidr(value)?.version === 4, 'IPv4 only for now (the schema is ready for IPv6)'),
  GATEWAY_PUBLIC_URL: envField.url(['ws', 'wss']).default('ws://127.0.0.1:9000/ws'),
  COMMAND_TTL_SECONDS: envField.positiveInt(300, 7 * 24 * 3600),
  INGEST_CLAIM_IDLE_SECONDS: envField.positiveInt(30, 3600),
  ENROLL_LIMIT_PER_IP_PER_MINUTE: envField.positiveInt(30),
  NODE_TOKEN_FAILURES_PER_IP_PER_MINUTE: envField.positiveInt(20),
  ADMIN_USERNAME: z.string().default('admin'),
  ADMIN_PASSWORD: z.string().min(12, 'expected at least 12 characters').optional(),
  LOG_LEVEL: envField.logLevel(),
  /** Browser origins other than the API's own that may call it (CORS); exact origins, comma-separated. */
  CORS_ORIGINS: envField.origins().default([]),
  /** The built dashboard (index.html, assets/); defaults to the auth-api's dist/web. */
  DASHBOARD_DIR: z.string().optional(),
});

/** `auth-api/dist/web`, reached the same way from `src/` (tsx) and `dist/` (built). */
const DEFAULT_DASHBOARD_DIR = fileURLToPath(new URL('../dist/web', import.meta.url));

/** Settings that may be logged. Secrets live in AuthApiSecrets, which is never logged. */
export interface AuthApiConfig {
  host: string;
  port: number;
  /** Set: serve HTTPS with these files; unset: plain HTTP (a proxy in front terminates TLS). */
  tls: TlsFiles | undefined;
  /** Processes sharing the port (node:cluster); 1 runs in-process. */
  workers: number;
  publicUrl: string;
  /** Undefined means: run on the embedded PGlite database under `dataDir`. */
  databaseUrl: string | undefined;
  dataDir: string;
  /** Undefined means: in-process bus and memory rate limits (single-process mode). */
  redisUrl: string | undefined;
  redisKeyPrefix: string;
  keysDir: string;
  accessTokenTtlSeconds: number;
  refreshTtlSeconds: number;
  refreshAbsoluteTtlSeconds: number;
  refreshReuseGraceSeconds: number;
  argon2: {
    memoryKib: number;
    iterations: number;
    parallelism: number;
    maxConcurrency: number;
    maxQueue: number;
  };
  limits: LoginLimits;
  trustProxy: boolean | number | string;
  fleet: {
    /** The tunnel network every node and device gets an address in. */
    networkCidr: string;
    /** Handed to enrolling agents: where they connect. */
    gatewayPublicUrl: string;
    commandTtlSeconds: number;
    /**
     * A node report (status, config.applied, command.result) another instance read but never
     * acknowledged — it died — is taken over after this long.
     */
    ingestClaimIdleSeconds: number;
    /** Guesses at enrollment keys and node secrets, per client IP. */
    limits: FleetLimits;
  };
  bootstrapAdminUsername: string;
  logLevel: string;
  /** Exact origins whose browsers may call the API cross-origin; empty = none. */
  corsOrigins: string[];
  /** Where the built dashboard lives; served at `/` (and the API reference at `/docs`). */
  dashboardDir: string;
}

export interface AuthApiSecrets {
  /** 32 bytes for AES-256-GCM of TOTP secrets; generated into the keys dir when not given. */
  dataEncryptionKey: Buffer | undefined;
  /** Password for the first admin; generated and printed once when not given. */
  bootstrapAdminPassword: string | undefined;
}

function parseTrustProxy(value: string): boolean | number | string {
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}

type ParsedEnv = z.infer<typeof schema>;

function argon2From(e: ParsedEnv): AuthApiConfig['argon2'] {
  return {
    memoryKib: e.ARGON2_MEMORY_KIB,
    iterations: e.ARGON2_ITERATIONS,
    parallelism: e.ARGON2_PARALLELISM,
    maxConcurrency: e.ARGON2_MAX_CONCURRENCY,
    maxQueue: e.ARGON2_MAX_QUEUE,
  };
}

function limitsFrom(e: ParsedEnv): LoginLimits {
  return {
    loginPerIpPerMinute: e.LOGIN_LIMIT_PER_IP_PER_MINUTE,
    loginFailuresPerUserIp: e.LOGIN_FAILURES_PER_USER_IP,
    loginBackoffAfterFailures: e.LOGIN_BACKOFF_AFTER_FAILURES,
    refreshPerIpPerMinute: e.REFRESH_LIMIT_PER_IP_PER_MINUTE,
    totpFailuresPerUser: e.TOTP_FAILURES_PER_USER,
  };
}

function fleetFrom(e: ParsedEnv): AuthApiConfig['fleet'] {
  return {
    networkCidr: e.FLEET_NETWORK_CIDR,
    gatewayPublicUrl: e.GATEWAY_PUBLIC_URL,
    commandTtlSeconds: e.COMMAND_TTL_SECONDS,
    ingestClaimIdleSeconds: e.INGEST_CLAIM_IDLE_SECONDS,
    limits: {
      enrollPerIpPerMinute: e.ENROLL_LIMIT_PER_IP_PER_MINUTE,
      nodeTokenFailuresPerIpPerMinute: e.NODE_TOKEN_FAILURES_PER_IP_PER_MINUTE,
    },
  };
}

export function loadAuthApiConfig(env: Env = process.env): {
  config: AuthApiConfig;
  secrets: AuthApiSecrets;
} {
  const e = parseEnv(schema, env);
  // npm runs workspace scripts inside the workspace folder; INIT_CWD is where the user typed
  // the command, so `./.data` means the same folder for `npm start` and `npm run admin`.
  const dataDir = path.resolve(env.INIT_CWD ?? process.cwd(), e.DATA_DIR);
  const tls = tlsFilesFromEnv(
    { cert: 'AUTH_API_TLS_CERT_FILE', key: 'AUTH_API_TLS_KEY_FILE' },
    { cert: e.AUTH_API_TLS_CERT_FILE, key: e.AUTH_API_TLS_KEY_FILE },
  );
  const config: AuthApiConfig = {
    host: e.AUTH_API_HOST,
    port: e.AUTH_API_PORT,
    tls,
    workers: e.AUTH_API_WORKERS,
    publicUrl: (
      e.AUTH_PUBLIC_URL ?? `${tls ? 'https' : 'http'}://${e.AUTH_API_HOST}:${e.AUTH_API_PORT}`
    ).replace(/\/$/, ''),
    databaseUrl: e.DATABASE_URL,
    dataDir,
    redisUrl: e.REDIS_URL,
    redisKeyPrefix: e.REDIS_KEY_PREFIX,
    keysDir: e.JWT_KEYS_DIR
      ? path.resolve(env.INIT_CWD ?? process.cwd(), e.JWT_KEYS_DIR)
      : path.join(dataDir, 'keys'),
    accessTokenTtlSeconds: e.ACCESS_TOKEN_TTL_SECONDS,
    refreshTtlSeconds: e.REFRESH_TTL_SECONDS,
    refreshAbsoluteTtlSeconds: Math.max(e.REFRESH_ABSOLUTE_TTL_SECONDS, e.REFRESH_TTL_SECONDS),
    refreshReuseGraceSeconds: e.REFRESH_REUSE_GRACE_SECONDS,
    argon2: argon2From(e),
    limits: limitsFrom(e),
    trustProxy: parseTrustProxy(e.TRUST_PROXY),
    fleet: fleetFrom(e),
    bootstrapAdminUsername: e.ADMIN_USERNAME,
    logLevel: e.LOG_LEVEL,
    corsOrigins: e.CORS_ORIGINS,
    dashboardDir: e.DASHBOARD_DIR
      ? path.resolve(env.INIT_CWD ?? process.cwd(), e.DASHBOARD_DIR)
      : DEFAULT_DASHBOARD_DIR,
  };
  const secrets: AuthApiSecrets = {
    dataEncryptionKey: e.DATA_ENCRYPTION_KEY ? Buffer.from(e.DATA_ENCRYPTION_KEY, 'base64') : undefined,
    bootstrapAdminPassword: e.ADMIN_PASSWORD,
  };
  return { config, secrets };
}
