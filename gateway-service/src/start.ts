import fs from 'node:fs';
import { type Bus, InProcessBus, RedisBus, ROOM_HISTORY_TTL_SECONDS } from '@wirefleet/shared/bus';
import { type IngestSink, InProcessIngest, RedisIngestSink } from '@wirefleet/shared/ingest';
import { createLogger, type Logger } from '@wirefleet/shared/logging';
import { type Jwks, type KeySet, RemoteJwksKeySet, StaticKeySet } from '@wirefleet/shared/tokens';
import { Redis } from 'ioredis';
import type { GatewayConfig } from './config.js';
import { createGateway, type Gateway } from './gateway.js';
import { LocalNodeLeases, type NodeLeases, RedisNodeLeases } from './nodes/node-leases.js';
import { loadUws } from './uws/load-uws.js';

export interface RunningGateway {
  url: string;
  port: number;
  gateway: Gateway;
  /** False when running on the ws emulation (only with GATEWAY_ALLOW_UWS_FALLBACK). */
  native: boolean;
  close(): Promise<void>;
}

export interface GatewayOverrides {
  logger?: Logger;
  /** Single-process stacks pass the bus and ingest they share with the auth-api. */
  bus?: Bus;
  ingest?: IngestSink;
  keySet?: KeySet;
  now?: () => number;
}

/** Starts one gateway instance; `close()` drains connections (1001) and releases everything. */
export async function startGateway(config: GatewayConfig, overrides: GatewayOverrides = {}): Promise<RunningGateway> {
  const logger = overrides.logger ?? createLogger({ service: 'gateway', level: config.logLevel });
  const { uws, native } = loadUws(config.allowUwsFallback);
  if (!native) logger.warn('running on the uWebSockets.js ws emulation (GATEWAY_ALLOW_UWS_FALLBACK): expect far lower throughput');

  const closers: Array<() => Promise<void>> = [];
  let redis: Redis | undefined;
  if (config.redisUrl) {
    redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
    redis.on('error', (error) => logger.warn({ err: error }, 'redis connection error'));
    await redis.connect().catch((error: unknown) => logger.error({ err: error }, 'redis unreachable at start'));
    closers.push(async () => redis!.disconnect());
  }
  const bus =
    overrides.bus ??
    (config.redisUrl ? new RedisBus({ url: config.redisUrl, keyPrefix: config.redisKeyPrefix, historyTtlSeconds: ROOM_HISTORY_TTL_SECONDS, logger }) : new InProcessBus({ logger }));
  if (!overrides.bus) closers.push(() => bus.close());
  const ingest = overrides.ingest ?? (redis ? new RedisIngestSink(redis, config.redisKeyPrefix) : new InProcessIngest());
  const leases: NodeLeases = redis
    ? new RedisNodeLeases(redis, config.redisKeyPrefix, config.nodeLeaseSeconds * 1000)
    : new LocalNodeLeases();
  const keySet =
    overrides.keySet ??
    (config.jwksFile
      ? new StaticKeySet(JSON.parse(fs.readFileSync(config.jwksFile, 'utf8')) as Jwks)
      : new RemoteJwksKeySet({ url: config.jwksUrl }));

  const gateway = createGateway(config, {
    uws,
    bus,
    keySet,
    ingest,
    leases,
    logger,
    ...(overrides.now ? { now: overrides.now } : {}),
  });
  const port = await gateway.listen(config.host, config.port);
  const url = `ws://${config.host}:${port}/ws`;
  logger.info({ url, instance: config.instanceId }, 'gateway listening');
  return {
    url,
    port,
    gateway,
    native,
    async close() {
      await gateway.drain();
      // Let the close frames leave before the sockets' owners go away.
      await new Promise((resolve) => setTimeout(resolve, 100));
      for (const closeOne of closers.reverse()) await closeOne().catch(() => undefined);
    },
  };
}
