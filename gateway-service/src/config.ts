import { randomBytes } from 'node:crypto';
import { type Env, envField, parseEnv } from '@wirefleet/shared/config';
import { DEFAULT_MAX_FRAME_BYTES } from '@wirefleet/shared/protocol';
import { type TlsFiles, tlsFilesFromEnv } from '@wirefleet/shared/tls';
import { z } from 'zod';

export const schema = z.object({
  GATEWAY_HOST: envField.host('127.0.0.1').describe('Address the gateway listens on.'),
  GATEWAY_PORT: envField
    .port(9000)
    .describe(
      'TCP port the gateway listens on (0: any free port); a port already taken is refused, never shared.',
    ),
  /** PEM certificate chain and key: the gateway serves wss:// itself (uWS SSLApp; reloaded on SIGHUP). */
  GATEWAY_TLS_CERT_FILE: z
    .string()
    .optional()
    .describe(
      'PEM certificate chain: the gateway serves wss:// itself (TLS 1.2+). Set both TLS files or neither; reloaded on SIGHUP. Unset: ws:// behind a TLS-terminating proxy.',
    ),
  GATEWAY_TLS_KEY_FILE: z.string().optional().describe('PEM private key for GATEWAY_TLS_CERT_FILE.'),
  REDIS_URL: envField
    .url(['redis', 'rediss'])
    .optional()
    .describe(
      'Redis URL (redis:// or rediss://): the bus to the auth-api and other gateways. Unset: in-process bus (single-process mode only).',
    ),
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_{}.-]*$/, 'expected letters, digits and : _ { } . -')
    .default('wf:')
    .describe("Prefix of every Redis key and channel; the same as the auth-api's."),
  AUTH_JWKS_URL: envField
    .url(['http', 'https'])
    .default('http://127.0.0.1:8080/.well-known/jwks.json')
    .describe('Where the auth-api publishes its token signing keys (http or https).'),
  AUTH_JWKS_FILE: z
    .string()
    .optional()
    .describe('A JWKS file read instead of AUTH_JWKS_URL (air-gapped setups, tests).'),
  AUTH_ISSUER: envField
    .url(['http', 'https'])
    .optional()
    .describe(
      "The `iss` tokens must carry (the auth-api's AUTH_PUBLIC_URL). Default: the origin of AUTH_JWKS_URL.",
    ),
  ALLOWED_ORIGINS: envField
    .origins()
    .default([])
    .describe(
      "Comma-separated exact browser origins (scheme://host[:port]) allowed to open sockets, e.g. the dashboard's; clients without an Origin header (agents) always may.",
    ),
  GATEWAY_MAX_PAYLOAD: envField
    .positiveInt(DEFAULT_MAX_FRAME_BYTES, 16 * 1024 * 1024)
    .describe('Largest frame a client may send, in bytes.'),
  GATEWAY_MAX_BACKPRESSURE: envField
    .positiveInt(1024 * 1024)
    .describe('Outgoing bytes buffered for one slow client before it is closed with 4009.'),
  GATEWAY_RATE_LIMIT_PER_SECOND: envField
    .positiveInt(50)
    .describe('Inbound frames per connection per second (token bucket rate).'),
  GATEWAY_RATE_LIMIT_BURST: envField
    .positiveInt(100)
    .describe('Inbound frames a connection may send at once (token bucket size).'),
  GATEWAY_MAX_CONNECTIONS_PER_USER: envField
    .positiveInt(20)
    .describe('Open connections per user on one instance.'),
  GATEWAY_MAX_ROOMS_PER_CONNECTION: envField
    .positiveInt(200)
    .describe('Rooms one connection may be in or joining at once, its own included.'),
  GATEWAY_WRITE_DELAY_MS: z.coerce
    .number({ message: 'expected a whole number' })
    .int()
    .min(0)
    .max(1000)
    .default(50)
    .describe(
      'Write coalescing: under load room events wait up to this many milliseconds and go out together, one write per socket; 0 sends every event at once.',
    ),
  GATEWAY_WRITE_DELAY_ABOVE_RATE: z.coerce
    .number({ message: 'expected a whole number' })
    .int()
    .min(0)
    .default(100_000)
    .describe(
      'Write coalescing starts when this instance delivers at least this many events per second; 0 coalesces always.',
    ),
  GATEWAY_IDLE_TIMEOUT_SECONDS: z.coerce
    .number()
    .int()
    .min(8)
    .max(960)
    .default(120)
    .describe('A connection that sends nothing (not even a ping) for this many seconds is closed.'),
  GATEWAY_NODE_LEASE_SECONDS: envField
    .positiveInt(30, 3600)
    .describe(
      "Lifetime of the lease naming the instance that holds a node's connection; renewed every third of it.",
    ),
  GATEWAY_ALLOW_UWS_FALLBACK: envField
    .boolean(false)
    .describe(
      'Start even when uWebSockets.js fell back to its slow ws emulation (its native binary did not load).',
    ),
  GATEWAY_INSTANCE_ID: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'expected 1-64 letters, digits, _ . -')
    .optional()
    .describe(
      'Names this instance in leases, logs and ingest records (1-64 letters, digits, _ . -). Default: gw- and random hex.',
    ),
  LOG_LEVEL: envField.logLevel().describe('pino log level.'),
});

export interface GatewayConfig {
  host: string;
  port: number;
  /** Set: serve wss:// with these files; unset: ws:// (a proxy in front terminates TLS). */
  tls: TlsFiles | undefined;
  /** Undefined: in-process bus (single-process mode only). */
  redisUrl: string | undefined;
  redisKeyPrefix: string;
  jwksUrl: string;
  /** A JWKS on disk instead of fetching one (air-gapped setups, tests). */
  jwksFile: string | undefined;
  /** Expected `iss`; defaults to the origin of AUTH_JWKS_URL (the auth-api's public URL). */
  issuer: string;
  /** Browser origins allowed to connect; requests without Origin (non-browsers) always may. */
  allowedOrigins: string[];
  maxPayloadBytes: number;
  /** Outgoing bytes buffered for one slow client before it is closed with 4009. */
  maxBackpressureBytes: number;
  rateLimit: { perSecond: number; burst: number };
  maxConnectionsPerUser: number;
  /** Rooms one connection may be in or joining at once, its own included. */
  maxRoomsPerConnection: number;
  /**
   * Write coalescing (rooms/write-coalescing.ts): while this instance delivers at least
   * `aboveRate` events per second, room events wait — longer the higher the rate, at most
   * `delayMs` — and go out together, one write per socket. `aboveRate` 0: every event waits
   * `delayMs`; `delayMs` 0: every event is sent at once.
   */
  writeDelay: { delayMs: number; aboveRate: number };
  idleTimeoutSeconds: number;
  nodeLeaseSeconds: number;
  allowUwsFallback: boolean;
  instanceId: string;
  logLevel: string;
}

export function loadGatewayConfig(env: Env = process.env): GatewayConfig {
  const e = parseEnv(schema, env);
  return {
    host: e.GATEWAY_HOST,
    port: e.GATEWAY_PORT,
    tls: tlsFilesFromEnv(
      { cert: 'GATEWAY_TLS_CERT_FILE', key: 'GATEWAY_TLS_KEY_FILE' },
      { cert: e.GATEWAY_TLS_CERT_FILE, key: e.GATEWAY_TLS_KEY_FILE },
    ),
    redisUrl: e.REDIS_URL,
    redisKeyPrefix: e.REDIS_KEY_PREFIX,
    jwksUrl: e.AUTH_JWKS_URL,
    jwksFile: e.AUTH_JWKS_FILE,
    issuer: (e.AUTH_ISSUER ?? new URL(e.AUTH_JWKS_URL).origin).replace(/\/$/, ''),
    allowedOrigins: e.ALLOWED_ORIGINS,
    maxPayloadBytes: e.GATEWAY_MAX_PAYLOAD,
    maxBackpressureBytes: e.GATEWAY_MAX_BACKPRESSURE,
    rateLimit: { perSecond: e.GATEWAY_RATE_LIMIT_PER_SECOND, burst: e.GATEWAY_RATE_LIMIT_BURST },
    maxConnectionsPerUser: e.GATEWAY_MAX_CONNECTIONS_PER_USER,
    maxRoomsPerConnection: e.GATEWAY_MAX_ROOMS_PER_CONNECTION,
    writeDelay: { delayMs: e.GATEWAY_WRITE_DELAY_MS, aboveRate: e.GATEWAY_WRITE_DELAY_ABOVE_RATE },
    idleTimeoutSeconds: e.GATEWAY_IDLE_TIMEOUT_SECONDS,
    nodeLeaseSeconds: e.GATEWAY_NODE_LEASE_SECONDS,
    allowUwsFallback: e.GATEWAY_ALLOW_UWS_FALLBACK,
    instanceId: e.GATEWAY_INSTANCE_ID ?? `gw-${randomBytes(4).toString('hex')}`,
    logLevel: e.LOG_LEVEL,
  };
}
