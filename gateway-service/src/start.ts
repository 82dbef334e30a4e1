import fs from 'node:fs';
import { type Bus, busFromConfig } from '@wirefleet/shared/bus';
import { type IngestSink, InProcessIngest, RedisIngestSink } from '@wirefleet/shared/ingest';
import { listenStartupError, probeListen, StartupError } from '@wirefleet/shared/config';
import { openServiceRedis } from '@wirefleet/shared/health';
import { createLogger, type Logger } from '@wirefleet/shared/logging';
import { loadTlsFiles } from '@wirefleet/shared/tls';
import { type Jwks, type KeySet, RemoteJwksKeySet, StaticKeySet } from '@wirefleet/shared/tokens';
import type { Redis } from 'ioredis';
import {
  InMemoryRevocationStore,
  RedisRevocationStore,
  type RevocationStore,
} from '@wirefleet/shared/revocations';
import type { GatewayConfig } from './config.js';
import { createGateway, type Gateway } from './gateway.js';
import { LocalNodeLeases, type NodeLeases, RedisNodeLeases } from './nodes/node-leases.js';
import { loadSigningKeys } from './ops/signing-keys.js';
import { loadUws, type UwsModule } from './uws/load-uws.js';

export interface RunningGateway {
  url: string;
  port: number;
  gateway: Gateway;
  /** TLS only: serves the certificate on disk now to new connections; the open ones stay. */
  reloadTls: Gateway['reloadTls'] | undefined;
  /** False when running on the ws emulation (only with GATEWAY_ALLOW_UWS_FALLBACK). */
  native: boolean;
  close(): Promise<void>;
}

export interface GatewayOverrides {
  logger?: Logger;
  /** Single-process stacks pass the bus and ingest they share with the auth-api. */
  bus?: Bus;
  ingest?: IngestSink;
  /** Single-process stacks share the auth-api's store (there is no Redis to load from). */
  revocations?: RevocationStore;
  keySet?: KeySet;
  now?: () => number;
}

/** Starts one gateway instance; `close()` drains connections (1001) and releases everything. */
export async function startGateway(
  config: GatewayConfig,
  overrides: GatewayOverrides = {},
): Promise<RunningGateway> {
  const logger = overrides.logger ?? createLogger({ service: 'gateway', level: config.logLevel });
  const { uws, native } = loadUws(config.allowUwsFallback);
  if (config.tls && !native) {
    throw new StartupError(
      'TLS (GATEWAY_TLS_CERT_FILE) needs the native uWebSockets.js; the ws emulation has no SSLApp',
      'fix the native build, or terminate TLS in a proxy in front of the gateway',
    );
  }
  if (!native)
    logger.warn(
      'running on the uWebSockets.js ws emulation (GATEWAY_ALLOW_UWS_FALLBACK): expect far lower throughput',
    );

  // Before anything is opened: a certificate that cannot be used fails the start at once.
  if (config.tls) loadTlsFiles(config.tls);
  const closers: Array<() => Promise<void>> = [];
  try {
    return await startWithin(config, overrides, { logger, uws, native, closers });
  } catch (error) {
    for (const closeOne of closers.reverse()) await closeOne().catch(() => undefined);
    throw error;
  }
}

type Closers = Array<() => Promise<void>>;

/** The gateway's own Redis connection (leases, ingest, revocations), when REDIS_URL is set. */
function connectRedis(config: GatewayConfig, logger: Logger, closers: Closers): Promise<Redis | undefined> {
  return config.redisUrl
    ? openServiceRedis(config.redisUrl, {}, logger, closers)
    : Promise.resolve(undefined);
}

/** Where token keys come from: given (single process), a JWKS file, or the auth-api's JWKS URL. */
async function signingKeys(
  config: GatewayConfig,
  overrides: GatewayOverrides,
  logger: Logger,
  closers: Closers,
): Promise<KeySet> {
  if (overrides.keySet) return overrides.keySet;
  if (config.jwksFile) return readJwksFile(config.jwksFile);
  const remote = new RemoteJwksKeySet({ url: config.jwksUrl });
  const loading = loadSigningKeys(remote, config.jwksUrl, logger);
  closers.push(async () => loading.stop());
  // One try before listening, so a gateway whose auth-api is up is ready as soon as it listens.
  await loading.firstAttempt;
  return remote;
}

/** The seams, Redis-backed with REDIS_URL, in-process without (or as the overrides say). */
function seams(
  config: GatewayConfig,
  overrides: GatewayOverrides,
  redis: Redis | undefined,
  logger: Logger,
  closers: Closers,
) {
  const bus = overrides.bus ?? busFromConfig(config, logger);
  if (!overrides.bus) closers.push(() => bus.close());
  const ingest =
    overrides.ingest ?? (redis ? new RedisIngestSink(redis, config.redisKeyPrefix) : new InProcessIngest());
  const leases: NodeLeases = redis
    ? new RedisNodeLeases(redis, config.redisKeyPrefix, config.nodeLeaseSeconds * 1000)
    : new LocalNodeLeases();
  const revocations =
    overrides.revocations ??
    (redis ? new RedisRevocationStore(redis, config.redisKeyPrefix) : new InMemoryRevocationStore());
  return { bus, ingest, leases, revocations };
}

async function startWithin(
  config: GatewayConfig,
  overrides: GatewayOverrides,
  started: { logger: Logger; uws: UwsModule; native: boolean; closers: Closers },
): Promise<RunningGateway> {
  const { logger, uws, native, closers } = started;
  const redis = await connectRedis(config, logger, closers);
  const keySet = await signingKeys(config, overrides, logger, closers);
  const gateway = createGateway(config, {
    uws,
    keySet,
    ...seams(config, overrides, redis, logger, closers),
    logger,
    ...(overrides.now ? { now: overrides.now } : {}),
  });
  // Not listening (so not ready) until the revocations in force are known: a gateway that
  // cannot read them must not let revoked tokens in.
  await gateway.start().catch(async (error: unknown) => {
    await gateway.drain();
    throw new StartupError(
      `cannot load token revocations from Redis (${error instanceof Error ? error.message : String(error)})`,
      'check REDIS_URL and that Redis answers',
      { cause: error },
    );
  });
  const { port, certificate } = await gateway
    .listen(config.host, config.port)
    .catch(async (error: unknown) => {
      await gateway.drain();
      if (error instanceof StartupError) throw error;
      // uWS says only "false"; Node's own socket tells a taken port from a missing address.
      throw listenStartupError((await probeListen(config.host, config.port)) ?? error, {
        host: config.host,
        port: config.port,
        hostVariable: 'GATEWAY_HOST',
        portVariable: 'GATEWAY_PORT',
      });
    });
  const url = `${config.tls ? 'wss' : 'ws'}://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}/ws`;
  logger.info(
    { url, instance: config.instanceId, ...(certificate ? { certificate } : {}) },
    'gateway listening',
  );
  return {
    url,
    port,
    gateway,
    reloadTls: config.tls ? () => gateway.reloadTls() : undefined,
    native,
    async close() {
      await gateway.drain();
      // Let the close frames leave before the sockets' owners go away.
      await new Promise((resolve) => setTimeout(resolve, 100));
      for (const closeOne of closers.reverse()) await closeOne().catch(() => undefined);
    },
  };
}

function readJwksFile(file: string): StaticKeySet {
  try {
    return new StaticKeySet(JSON.parse(fs.readFileSync(file, 'utf8')) as Jwks);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new StartupError(
      `cannot read a JWKS from ${file} (${reason})`,
      'fix the file or set AUTH_JWKS_FILE',
      {
        cause: error,
      },
    );
  }
}
