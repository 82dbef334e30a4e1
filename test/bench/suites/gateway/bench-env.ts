import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Jwks, SigningAlgorithm } from '@wirefleet/shared/tokens';
import { createTokenFactory, type TokenFactory } from '../../../support/forged-tokens.js';
import { TEST_REDIS_URL } from '../../../support/services.js';
import { killAllChildren } from '../../support/child-service.js';
import { clientWorkerCount } from '../../support/gateway-children.js';
import { ClientPool } from '../../support/gateway-clients.js';
import { type ServerChild, startGatewayChild } from '../../support/gateway-servers.js';
import { createTestRedis, type TestRedis } from '../../support/services.js';

export const BENCH_ISSUER = 'https://auth.wirefleet.bench';
/** The one room every fan-out subscriber is in. */
export const ROOM = 'node:42';

/**
 * What the gateway measurements share: a Redis prefix of their own, a signing key whose JWKS
 * the gateways read from a file (so no auth-api is needed), and the client worker processes.
 */
export interface GatewayBenchEnv {
  redis: TestRedis;
  /** The ES256 key, as the auth-api signs with today. */
  tokens: TokenFactory;
  /** An Ed25519 key in the same JWKS file, when the env was created with `ed25519: true`. */
  ed25519Tokens: TokenFactory | undefined;
  jwksFile: string;
  pool: ClientPool;
  /**
   * `count` viewer tokens for distinct users `user:<first>`…, as the auth-api would issue them,
   * signed with the ES256 key unless `alg` says EdDSA.
   */
  viewerTokens(count: number, first?: number, alg?: SigningAlgorithm): string[];
  startGateway(instanceId: string, nodeArgs?: string[], gatewayEnv?: Record<string, string>): Promise<ServerChild>;
  close(): Promise<void>;
}

export interface GatewayBenchOptions {
  /** Also publish an Ed25519 key, so the gateways take EdDSA tokens too (off by default). */
  ed25519?: boolean;
}

export async function createGatewayBenchEnv(options: GatewayBenchOptions = {}): Promise<GatewayBenchEnv> {
  const redis = await createTestRedis();
  // Only Redis is needed here (no database): fail fast, naming it, when it is not there.
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error(`Redis at ${TEST_REDIS_URL} did not answer a PING`)), 5_000).unref(),
  );
  await Promise.race([redis.client.ping(), timeout]).catch((error: unknown) => {
    redis.client.disconnect();
    throw error;
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wf-bench-gateway-'));
  const tokens = createTokenFactory({ issuer: BENCH_ISSUER });
  const ed25519Tokens = options.ed25519
    ? createTokenFactory({ issuer: BENCH_ISSUER, algorithm: 'EdDSA' })
    : undefined;
  const jwks: Jwks = { keys: [...tokens.jwks.keys, ...(ed25519Tokens?.jwks.keys ?? [])] };
  const jwksFile = path.join(dir, 'jwks.json');
  fs.writeFileSync(jwksFile, JSON.stringify(jwks));
  let pool: ClientPool | undefined;
  try {
    pool = await ClientPool.start(clientWorkerCount());
  } catch (error) {
    await killAllChildren();
    await redis.cleanup();
    throw error;
  }
  return {
    redis,
    tokens,
    ed25519Tokens,
    jwksFile,
    pool,
    viewerTokens: (count, first = 1, alg = 'ES256') => {
      const factory = alg === 'EdDSA' ? ed25519Tokens : tokens;
      if (!factory) throw new Error('EdDSA tokens need createGatewayBenchEnv({ ed25519: true })');
      return Array.from({ length: count }, (_, index) =>
        factory.sign({ sub: `user:${first + index}`, role: 'viewer' }),
      );
    },
    startGateway: (instanceId, nodeArgs, gatewayEnv) =>
      startGatewayChild({
        ...(nodeArgs ? { nodeArgs } : {}),
        ...(gatewayEnv ? { env: gatewayEnv } : {}),
        redisUrl: redis.url,
        prefix: redis.prefix,
        jwksFile,
        issuer: BENCH_ISSUER,
        instanceId,
      }),
    async close() {
      await pool?.close().catch(() => undefined);
      // Whatever a failed measurement left running.
      await killAllChildren();
      await redis.cleanup();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
