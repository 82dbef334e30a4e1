import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
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
  tokens: TokenFactory;
  jwksFile: string;
  pool: ClientPool;
  /** `count` viewer tokens for distinct users `user:<first>`…, as the auth-api would issue them. */
  viewerTokens(count: number, first?: number): string[];
  startGateway(instanceId: string, nodeArgs?: string[], gatewayEnv?: Record<string, string>): Promise<ServerChild>;
  close(): Promise<void>;
}

export async function createGatewayBenchEnv(): Promise<GatewayBenchEnv> {
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
  const jwksFile = path.join(dir, 'jwks.json');
  fs.writeFileSync(jwksFile, JSON.stringify(tokens.jwks));
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
    jwksFile,
    pool,
    viewerTokens: (count, first = 1) =>
      Array.from({ length: count }, (_, index) =>
        tokens.sign({ sub: `user:${first + index}`, role: 'viewer' }),
      ),
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
