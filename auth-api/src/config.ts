import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Env, envField, parseEnv } from '@wirefleet/shared/config';
import { MAX_ACCESS_TOKEN_TTL_SECONDS } from '@wirefleet/shared/tokens';
import { cidr, parseCidr } from '@wirefleet/shared/schemas';
import { type TlsFiles, tlsFilesFromEnv } from '@wirefleet/shared/tls';
import { z } from 'zod';
import { agentReleaseEnvFields, agentReleasesDirFrom } from './fleet/agent-releases/release-settings.js';
import type { FleetLimits } from './fleet/fleet-guard.js';
import type { LoginLimits } from './platform/rate-limits/index.js';
import { type OidcConfig, oidcEnvFields, oidcFromEnv } from './identity/oidc/oidc-settings.js';

const DAY = 24 * 60 * 60;

export const schema = z.object({
  AUTH_API_HOST: envField.host('127.0.0.1').describe('Address the auth-api listens on.'),
  AUTH_API_PORT: envField.port(8080).describe('TCP port the auth-api listens on (0: any free port).'),
  /** PEM certificate chain and key: the auth-api terminates TLS itself (reloaded on SIGHUP). */
  AUTH_API_TLS_CERT_FILE: z
    .string()
    .optional()
    .describe(
      'PEM certificate chain: the auth-api serves HTTPS itself (TLS 1.2+). Set both TLS files or neither; reloaded on SIGHUP. Unset: plain HTTP behind a TLS-terminating proxy.',
    ),
  AUTH_API_TLS_KEY_FILE: z.string().optional().describe('PEM private key for AUTH_API_TLS_CERT_FILE.'),
  AUTH_API_WORKERS: envField
    .positiveInt(1, 64)
    .describe(
      'Processes sharing the port (node:cluster) so one host uses several cores; more than 1 needs DATABASE_URL.',
    ),
  /** Public base URL of this API; the `iss` of every token. */
  AUTH_PUBLIC_URL: envField
    .url(['http', 'https'])
    .optional()
    .describe(
      'Public base URL of the API (http or https), the `iss` of every token; set it behind a proxy. Default: http(s)://AUTH_API_HOST:AUTH_API_PORT.',
    ),
  DATABASE_URL: envField
    .url(['postgres', 'postgresql'])
    .optional()
    .describe(
      'PostgreSQL URL (postgres:// or postgresql://). Unset: the embedded PGlite database under DATA_DIR (one process only).',
    ),
  DATA_DIR: z
    .string()
    .default('./.data')
    .describe(
      'Folder of the embedded database and of the default keys folder; relative to where the command was started.',
    ),
  REDIS_URL: envField
    .url(['redis', 'rediss'])
    .optional()
    .describe(
      'Redis URL (redis:// or rediss://): the bus between instances, shared rate limits, revocations. Unset: in-process bus and memory limits (one process only).',
    ),
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_{}.-]*$/, 'expected letters, digits and : _ { } . -')
    .default('wf:')
    .describe('Prefix of every Redis key and channel; give each deployment sharing a Redis its own.'),
  JWT_KEYS_DIR: z
    .string()
    .optional()
    .describe(
      'Folder of the token signing keys; every auth-api instance must share it. Default: DATA_DIR/keys.',
    ),
  DATA_ENCRYPTION_KEY: z
    .string()
    .refine((value) => Buffer.from(value, 'base64').length === 32, 'expected 32 bytes, base64-encoded')
    .optional()
    .describe('32 bytes, base64: encrypts TOTP secrets at rest. Unset: generated once into the keys folder.'),
  ACCESS_TOKEN_TTL_SECONDS: envField
    .positiveInt(MAX_ACCESS_TOKEN_TTL_SECONDS, MAX_ACCESS_TOKEN_TTL_SECONDS)
    .describe('Access-token lifetime in seconds.'),
  REFRESH_TTL_SECONDS: envField
    .positiveInt(30 * DAY)
    .describe('Refresh-token idle lifetime in seconds: a session unused this long ends.'),
  REFRESH_ABSOLUTE_TTL_SECONDS: envField
    .positiveInt(90 * DAY)
    .describe(
      'Longest life of a refresh-token family in seconds, however often it is used (at least REFRESH_TTL_SECONDS).',
    ),
  REFRESH_REUSE_GRACE_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .max(300)
    .default(10)
    .describe(
      "A rotated refresh token presented again within this many seconds is tolerated (a client's retry); later it counts as reuse and revokes the session.",
    ),
  ARGON2_MEMORY_KIB: envField
    .positiveInt(48 * 1024, 4 * 1024 * 1024)
    .describe('Argon2id memory cost per password hash, in KiB.'),
  ARGON2_ITERATIONS: envField.positiveInt(3, 100).describe('Argon2id time cost (passes).'),
  ARGON2_PARALLELISM: envField.positiveInt(1, 16).describe('Argon2id lanes per hash.'),
  ARGON2_MAX_CONCURRENCY: envField
    .positiveInt(Math.max(1, os.availableParallelism()), 256)
    .describe('Password hashes computed at once; others wait in a queue.'),
  ARGON2_MAX_QUEUE: z.coerce
    .number()
    .int()
    .min(0)
    .max(100_000)
    .default(64)
    .describe('Password hashes that may wait for a slot; past it a login is answered 503 at once.'),
  LOGIN_LIMIT_PER_IP_PER_MINUTE: envField
    .positiveInt(60)
    .describe('Login attempts per client address per minute.'),
  LOGIN_FAILURES_PER_USER_IP: envField
    .positiveInt(10)
    .describe(
      'Failed logins per username and address in 15 minutes before that pair is blocked for 15 minutes.',
    ),
  LOGIN_BACKOFF_AFTER_FAILURES: envField
    .positiveInt(5)
    .describe(
      'Consecutive failures of one username after which each further attempt waits longer (2 s, 4 s, 8 s \u2026 at most 15 min).',
    ),
  REFRESH_LIMIT_PER_IP_PER_MINUTE: envField
    .positiveInt(600)
    .describe('Token refreshes per client address per minute.'),
  TOTP_FAILURES_PER_USER: envField
    .positiveInt(5)
    .describe('Wrong TOTP codes per user in 5 minutes before the user is blocked for 5 minutes.'),
  TRUST_PROXY: z
    .string()
    .default('false')
    .describe(
      'Express `trust proxy`: false, true, a hop count or proxy addresses; set it behind a proxy so limits key on the real client address.',
    ),
  FLEET_NETWORK_CIDR: cidr
    .default('100.96.0.0/16')
    .refine((value) => parseCidr(value)?.version === 4, 'IPv4 only for now (the schema is ready for IPv6)')
    .describe(
      'The tunnel network every node and device gets an address in (IPv4 CIDR); changing it is refused once addresses are in use.',
    ),
  GATEWAY_PUBLIC_URL: envField
    .url(['ws', 'wss'])
    .default('ws://127.0.0.1:9000/ws')
    .describe('The gateway URL (ws or wss) handed to enrolling agents.'),
  COMMAND_TTL_SECONDS: envField
    .positiveInt(300, 7 * 24 * 3600)
    .describe('Commands to nodes not completed within this many seconds expire.'),
  INGEST_CLAIM_IDLE_SECONDS: envField
    .positiveInt(30, 3600)
    .describe(
      'A node report an instance read but never acknowledged (it died) is taken over by another instance after this many seconds.',
    ),
  ...agentReleaseEnvFields,
  ENROLL_LIMIT_PER_IP_PER_MINUTE: envField
    .positiveInt(30)
    .describe('Enrollment attempts per client address per minute.'),
  NODE_TOKEN_FAILURES_PER_IP_PER_MINUTE: envField
    .positiveInt(20)
    .describe(
      'Wrong node secrets at POST /v1/nodes/token per client address per minute; past it the address is blocked for 5 minutes.',
    ),
  ADMIN_USERNAME: z
    .string()
    .default('admin')
    .describe('Username of the first admin, created only on an empty database.'),
  ADMIN_PASSWORD: z
    .string()
    .min(12, 'expected at least 12 characters')
    .optional()
    .describe('Password of the first admin (at least 12 characters). Unset: generated and printed once.'),
  ...oidcEnvFields,
  LOG_LEVEL: envField.logLevel().describe('pino log level.'),
  /** Browser origins other than the API's own that may call it (CORS); exact origins, comma-separated. */
  CORS_ORIGINS: envField
    .origins()
    .default([])
    .describe(
      "Comma-separated exact browser origins (scheme://host[:port]) other than the API's own that may call it cross-origin, e.g. a dashboard hosted elsewhere.",
    ),
  /** The built dashboard (index.html, assets/); defaults to the auth-api's dist/web. */
  DASHBOARD_DIR: z
    .string()
    .optional()
    .describe('The built dashboard (index.html, assets/) served at / and /docs. Default: auth-api/dist/web.'),
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
    /** Where the agent builds handed to installers live (`AgentReleases`). */
    agentReleasesDir: string;
  };
  bootstrapAdminUsername: string;
  logLevel: string;
  /** Exact origins whose browsers may call the API cross-origin; empty = none. */
  corsOrigins: string[];
  /** Where the built dashboard lives; served at `/` (and the API reference at `/docs`). */
  dashboardDir: string;
  /** Single sign-on providers and the password-login switch. */
  oidc: OidcConfig;
}

export interface AuthApiSecrets {
  /** 32 bytes for AES-256-GCM of TOTP secrets; generated into the keys dir when not given. */
  dataEncryptionKey: Buffer | undefined;
  /** Password for the first admin; generated and printed once when not given. */
  bootstrapAdminPassword: string | undefined;
  /** OIDC client secrets by provider id (absent: a public client). */
  oidcClientSecrets: Record<string, string>;
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

function fleetFrom(e: ParsedEnv, env: Env): AuthApiConfig['fleet'] {
  return {
    networkCidr: e.FLEET_NETWORK_CIDR,
    gatewayPublicUrl: e.GATEWAY_PUBLIC_URL,
    commandTtlSeconds: e.COMMAND_TTL_SECONDS,
    ingestClaimIdleSeconds: e.INGEST_CLAIM_IDLE_SECONDS,
    limits: {
      enrollPerIpPerMinute: e.ENROLL_LIMIT_PER_IP_PER_MINUTE,
      nodeTokenFailuresPerIpPerMinute: e.NODE_TOKEN_FAILURES_PER_IP_PER_MINUTE,
    },
    agentReleasesDir: agentReleasesDirFrom(e.AGENT_RELEASES_DIR, env),
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
  const publicUrl = (
    e.AUTH_PUBLIC_URL ?? `${tls ? 'https' : 'http'}://${e.AUTH_API_HOST}:${e.AUTH_API_PORT}`
  ).replace(/\/$/, '');
  const oidc = oidcFromEnv(e, publicUrl, env);
  const config: AuthApiConfig = {
    host: e.AUTH_API_HOST,
    port: e.AUTH_API_PORT,
    tls,
    workers: e.AUTH_API_WORKERS,
    publicUrl,
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
    fleet: fleetFrom(e, env),
    bootstrapAdminUsername: e.ADMIN_USERNAME,
    logLevel: e.LOG_LEVEL,
    corsOrigins: e.CORS_ORIGINS,
    dashboardDir: e.DASHBOARD_DIR
      ? path.resolve(env.INIT_CWD ?? process.cwd(), e.DASHBOARD_DIR)
      : DEFAULT_DASHBOARD_DIR,
    oidc: oidc.config,
  };
  const secrets: AuthApiSecrets = {
    dataEncryptionKey: e.DATA_ENCRYPTION_KEY ? Buffer.from(e.DATA_ENCRYPTION_KEY, 'base64') : undefined,
    bootstrapAdminPassword: e.ADMIN_PASSWORD,
    oidcClientSecrets: oidc.secrets,
  };
  return { config, secrets };
}
