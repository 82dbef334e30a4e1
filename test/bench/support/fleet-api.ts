import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BENCH_ADMIN, benchAuthEnv } from './auth-api.js';
import { type ChildService, freePort, spawnService } from './child-service.js';
import { JsonClient, parseJson } from './http-client.js';
import {
  createTestDatabase,
  createTestRedis,
  ensureTemplateDatabase,
  type TestDatabase,
  type TestRedis,
} from './services.js';

/**
 * An auth-api child process (the compiled build) whose backing the fleet suite reaches into:
 * unlike startChildAuthApi it hands out the database (to seed 1,000 nodes in bulk and build
 * configs in process), the Redis prefix (to subscribe to the nodes' rooms on the same Bus) and
 * the keys directory (to sign with the very key the child signs with).
 */
export interface FleetApi {
  url: string;
  pid: number;
  db: TestDatabase;
  redis: TestRedis;
  keysDir: string;
  service: ChildService;
  close(): Promise<void>;
}

/** Rate limits raised out of the way: 8 workers enrolling from one IP would otherwise hit 30/min. */
export function fleetEnv(): Record<string, string> {
  return { ...benchAuthEnv(), ENROLL_LIMIT_PER_IP_PER_MINUTE: '100000000' };
}

export async function startFleetApi(): Promise<FleetApi> {
  await ensureTemplateDatabase();
  const db = await createTestDatabase();
  const redis = await createTestRedis();
  const keysDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wf-bench-fleet-'));
  const release = async () => {
    await db.drop();
    await redis.cleanup();
    fs.rmSync(keysDir, { recursive: true, force: true });
  };
  try {
    const port = await freePort();
    const service = await spawnService({
      script: 'auth-api/dist/main.js',
      port,
      env: {
        ...fleetEnv(),
        AUTH_API_PORT: String(port),
        DATABASE_URL: db.url,
        REDIS_URL: redis.url,
        REDIS_KEY_PREFIX: redis.prefix,
        JWT_KEYS_DIR: keysDir,
        DATA_DIR: keysDir,
      },
    });
    return {
      url: service.url,
      pid: service.pid,
      db,
      redis,
      keysDir,
      service,
      async close() {
        await service.stop();
        await release();
      },
    };
  } catch (error) {
    await release();
    throw error;
  }
}

/** The bench admin's access token (one production-Argon2 login). */
export async function adminToken(url: string): Promise<string> {
  const client = new JsonClient(url, 1);
  try {
    const reply = await client.request('POST', '/v1/auth/login', BENCH_ADMIN);
    if (reply.status !== 200) throw new Error(`login failed: ${reply.status} ${reply.text.slice(0, 200)}`);
    return parseJson<{ access_token: string }>(reply).access_token;
  } finally {
    client.close();
  }
}
