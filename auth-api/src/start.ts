import type { AddressInfo } from 'node:net';
import http, { type RequestListener, type Server } from 'node:http';
import https from 'node:https';
import { type Bus, busFromConfig } from '@wirefleet/shared/bus';
import { listenStartupError, StartupError } from '@wirefleet/shared/config';
import { type LoadedTls, loadTlsFiles, MIN_TLS_VERSION } from '@wirefleet/shared/tls';
import { openServiceRedis } from '@wirefleet/shared/health';
import { createLogger, type Logger, subsystemLogger } from '@wirefleet/shared/logging';
import { migrateLatest } from '@wirefleet/migrations';
import { type IngestSource, InProcessIngest } from '@wirefleet/shared/ingest';
import type { Redis } from 'ioredis';
import {
  InMemoryRevocationStore,
  RedisRevocationStore,
  type RevocationStore,
} from '@wirefleet/shared/revocations';
import { randomBytes } from 'node:crypto';
import { ensureNetwork } from './fleet/network/index.js';
import { RedisIngestSource } from './fleet/ingest/index.js';
import { buildApp, buildRequestListener } from './app.js';
import type { AuthApiConfig, AuthApiSecrets } from './config.js';
import { type AuthApiContext, createContext } from './context.js';
import { databaseStartupError, openDatabase } from './platform/db/index.js';
import { applyServerLimits } from './platform/http/server-limits.js';
import { Keyring, loadOrCreateDataKey } from './identity/keys/index.js';
import { SecretBox } from './identity/totp/secret-box.js';
import { type BootstrapAdmin, ensureBootstrapAdmin } from './identity/users/bootstrap-admin.js';
import { memoryLimiterFactory, redisLimiterFactory } from './platform/rate-limits/index.js';

export interface RunningAuthApi {
  url: string;
  port: number;
  context: AuthApiContext;
  /**
   * Set when this start created the first admin with a generated password. Unset, too, when
   * `deferBootstrapAdmin` left the creation to the caller (`createBootstrapAdmin`).
   */
  bootstrapAdmin: BootstrapAdmin | undefined;
  /**
   * Creates the first admin on a database with no users (once; later calls find it). The admin
   * is created only once the service is up, so a start that fails never leaves behind an admin
   * whose generated password nobody saw.
   */
  createBootstrapAdmin(): Promise<BootstrapAdmin | undefined>;
  /**
   * Reads the TLS certificate and key again (after a renewal) and serves them to new
   * connections; open ones keep theirs. Throws, keeping the current ones, when the files are
   * not usable. Undefined without TLS.
   */
  reloadTls: (() => LoadedTls['summary']) | undefined;
  close(): Promise<void>;
}

export interface StartOverrides {
  logger?: Logger;
  /** Use this bus instead of the one REDIS_URL implies (single-process stacks share one). */
  bus?: Bus;
  /** Where node telemetry comes from when there is no Redis (single-process stacks share one). */
  ingest?: IngestSource;
  /** Where revocations are kept for the gateways when there is no Redis (single-process stacks share one). */
  revocations?: RevocationStore;
  /** Leave the outbox relay, ingest consumer and sweeper stopped (tests drive them by hand). */
  background?: boolean;
  /**
   * Do not create the first admin at the end of the start: a caller that starts more (the
   * single-process stack) calls `createBootstrapAdmin()` once everything is up.
   */
  deferBootstrapAdmin?: boolean;
  now?: () => number;
  /**
   * false: every request goes through Express, the routes marked `fast` included. Their answers
   * are the same either way (fast-routes.int.test.ts); the bench measures what the fast ones save.
   */
  fastRoutes?: boolean;
}

type Closers = Array<() => Promise<void>>;

/** The database, reachable and migrated (PGlite under DATA_DIR without DATABASE_URL). */
async function openMigratedDatabase(config: AuthApiConfig, logger: Logger, closers: Closers) {
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, logger });
  closers.push(() => database.close());
  if (config.databaseUrl) {
    const url = config.databaseUrl;
    await database.ping().catch((error: unknown) => {
      throw databaseStartupError(error, url);
    });
  }
  const applied = await migrateLatest(database.knex);
  if (applied.length > 0) logger.info({ applied }, 'migrations applied');
  return database;
}

/** The auth-api's Redis connection, when REDIS_URL is set. */
function connectRedis(config: AuthApiConfig, logger: Logger, closers: Closers): Promise<Redis | undefined> {
  if (!config.redisUrl) return Promise.resolve(undefined);
  // No offline queue: while Redis is down, calls fail fast (rate limits fall back to memory,
  // readiness says 503) instead of piling up behind a dead connection.
  return openServiceRedis(config.redisUrl, { enableOfflineQueue: false }, logger, closers);
}

/** The seams, Redis-backed with REDIS_URL, in-process without (or as the overrides say). */
function seams(
  config: AuthApiConfig,
  redis: Redis | undefined,
  overrides: StartOverrides,
  logger: Logger,
  closers: Closers,
) {
  const bus = overrides.bus ?? busFromConfig(config, logger);
  if (!overrides.bus) closers.push(() => bus.close());
  const ingest: IngestSource =
    overrides.ingest ??
    (redis
      ? new RedisIngestSource({
          redis: ingestClient(redis, logger, closers),
          prefix: config.redisKeyPrefix,
          consumer: `api-${randomBytes(4).toString('hex')}`,
          claimIdleMs: config.fleet.ingestClaimIdleSeconds * 1000,
          logger: subsystemLogger(logger, 'ingest'),
        })
      : new InProcessIngest());
  const revocations =
    overrides.revocations ??
    (redis ? new RedisRevocationStore(redis, config.redisKeyPrefix) : new InMemoryRevocationStore());
  const limiter = redis ? redisLimiterFactory(redis, config.redisKeyPrefix) : memoryLimiterFactory();
  return { bus, ingest, revocations, limiter };
}

/** Everything the routes use: storage, seams, keys, readiness checks. */
async function buildContext(
  config: AuthApiConfig,
  secrets: AuthApiSecrets,
  overrides: StartOverrides,
  logger: Logger,
  closers: Closers,
) {
  const database = await openMigratedDatabase(config, logger, closers);
  const redis = await connectRedis(config, logger, closers);
  const parts = seams(config, redis, overrides, logger, closers);
  const network = await ensureNetwork(database.knex, config.fleet.networkCidr);
  const { keyring, secretBox } = openKeys(config.keysDir, secrets.dataEncryptionKey);
  const readiness: Record<string, () => Promise<boolean>> = { database: () => database.ping() };
  if (redis) readiness.redis = async () => (await redis.ping()) === 'PONG';
  return createContext(config, {
    ...parts,
    db: database.knex,
    relaxedDb: database.relaxed,
    keyring,
    secretBox,
    oidcClientSecrets: secrets.oidcClientSecrets,
    logger,
    readiness,
    network,
    ...(overrides.now ? { now: overrides.now } : {}),
  });
}

/** Listens (HTTP, or HTTPS with `tls`); the URL, and the certificate reload when TLS is on. */
async function serve(
  config: AuthApiConfig,
  context: AuthApiContext,
  tls: LoadedTls | undefined,
  logger: Logger,
  closers: Closers,
  fast = true,
) {
  const listener = fast ? buildRequestListener(context) : buildApp(context);
  const server = await listen(listener, config.host, config.port, tls).catch((error: unknown) => {
    throw listenStartupError(error, {
      host: config.host,
      port: config.port,
      hostVariable: 'AUTH_API_HOST',
      portVariable: 'AUTH_API_PORT',
    });
  });
  closers.push(() => closeServer(server));
  const port = (server.address() as AddressInfo).port;
  const url = `${tls ? 'https' : 'http'}://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  logger.info({ url, ...(tls ? { certificate: tls.summary } : {}) }, 'auth-api listening');
  const files = config.tls;
  const reloadTls = files
    ? () => {
        const fresh = loadTlsFiles(files);
        (server as https.Server).setSecureContext(secureOptions(fresh));
        return fresh.summary;
      }
    : undefined;
  return { url, port, reloadTls };
}

/**
 * Starts the auth-api: database (migrated), Redis, bus, keys, then the HTTP listener.
 * Everything it opens, `close()` closes, in reverse order.
 */
export async function startAuthApi(
  config: AuthApiConfig,
  secrets: AuthApiSecrets,
  overrides: StartOverrides = {},
): Promise<RunningAuthApi> {
  const logger = overrides.logger ?? createLogger({ service: 'auth-api', level: config.logLevel });
  const closers: Closers = [];
  // First: a certificate that cannot be used fails the start before anything is opened.
  const tls = config.tls ? loadTlsFiles(config.tls) : undefined;
  try {
    const context = await buildContext(config, secrets, overrides, logger, closers);
    if (overrides.background !== false) {
      context.fleet.start();
      closers.push(() => context.fleet.stop());
    }
    await context.hasher.verifyDummy('warm-up');
    const { url, port, reloadTls } = await serve(config, context, tls, logger, closers, overrides.fastRoutes);
    const createBootstrapAdmin = () =>
      ensureBootstrapAdmin(
        context.users,
        context.hasher,
        config.bootstrapAdminUsername,
        secrets.bootstrapAdminPassword,
      );
    const bootstrapAdmin = overrides.deferBootstrapAdmin ? undefined : await createBootstrapAdmin();
    return {
      url,
      port,
      context,
      bootstrapAdmin,
      createBootstrapAdmin,
      reloadTls,
      close: () => closeAll(closers),
    };
  } catch (error) {
    await closeAll(closers);
    throw error;
  }
}

/**
 * The ingest consumer's own client. Its blocking reads run on a duplicate of the client it is
 * given, and a duplicate of a client without an offline queue fails its first read ("Stream
 * isn't writeable") before it has even connected: a warning at every start. This one queues
 * commands until connected; losses are logged by the main client already.
 */
function ingestClient(redis: Redis, logger: Logger, closers: Closers): Redis {
  const client = redis.duplicate({ enableOfflineQueue: true, lazyConnect: false });
  client.on('error', (error: unknown) => logger.debug({ err: error }, 'ingest redis connection error'));
  closers.push(async () => client.disconnect());
  return client;
}

/** The signing keys and the data key; a folder that cannot be used names the variable to change. */
function openKeys(
  keysDir: string,
  dataEncryptionKey: Buffer | undefined,
): { keyring: Keyring; secretBox: SecretBox } {
  try {
    const keyring = Keyring.open(keysDir);
    return { keyring, secretBox: new SecretBox(loadOrCreateDataKey(keysDir, dataEncryptionKey)) };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code !== 'string' || !/^E[A-Z]+$/.test(code)) throw error;
    const reason = error instanceof Error ? error.message : code;
    throw new StartupError(
      `cannot use the keys folder ${keysDir} (${reason})`,
      'make it writable for this user or set JWT_KEYS_DIR (default: $DATA_DIR/keys)',
      { cause: error },
    );
  }
}

const secureOptions = (tls: LoadedTls) =>
  ({ cert: tls.cert, key: tls.key, minVersion: MIN_TLS_VERSION }) as const;

/** An HTTP server, or HTTPS with `tls` (TLS 1.2+), serving the app, with the same limits either way. */
function listen(
  app: RequestListener,
  host: string,
  port: number,
  tls: LoadedTls | undefined,
): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = tls ? https.createServer(secureOptions(tls), app) : http.createServer(app);
    server.once('error', reject);
    applyServerLimits(server);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
    // In-flight requests get a moment to finish before their sockets are cut.
    setTimeout(() => server.closeAllConnections(), 5_000).unref();
  });
}

async function closeAll(closers: Array<() => Promise<void>>): Promise<void> {
  for (const close of closers.reverse()) {
    await close().catch(() => undefined);
  }
}
