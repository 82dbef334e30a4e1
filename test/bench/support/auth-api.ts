import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { loadAuthApiConfig, type RunningAuthApi, startAuthApi } from '@wirefleet/auth-api';
import { createLogger } from '@wirefleet/shared/logging';
import { type ChildService, freePort, spawnService } from './child-service.js';
import { JsonClient, parseJson } from './http-client.js';
import {
  createTestDatabase,
  createTestRedis,
  ensureTemplateDatabase,
  type TestDatabase,
  type TestRedis,
} from './services.js';

export const BENCH_ADMIN = { username: 'admin', password: 'bench horse battery staple' };

/** The production Argon2 parameters (the config defaults, spelled out so a default change shows here). */
export const PRODUCTION_ARGON2 = { memoryKib: 48 * 1024, iterations: 3, parallelism: 1 };

/**
 * Environment every bench auth-api runs with: production Argon2, production log level, and
 * rate limits raised far out of the way (they would otherwise be what is measured).
 */
export function benchAuthEnv(): Record<string, string> {
  return {
    AUTH_API_HOST: '127.0.0.1',
    ARGON2_MEMORY_KIB: String(PRODUCTION_ARGON2.memoryKib),
    ARGON2_ITERATIONS: String(PRODUCTION_ARGON2.iterations),
    ARGON2_PARALLELISM: String(PRODUCTION_ARGON2.parallelism),
    LOGIN_LIMIT_PER_IP_PER_MINUTE: '1000000',
    LOGIN_FAILURES_PER_USER_IP: '1000000',
    LOGIN_BACKOFF_AFTER_FAILURES: '1000000',
    REFRESH_LIMIT_PER_IP_PER_MINUTE: '100000000',
    ADMIN_USERNAME: BENCH_ADMIN.username,
    ADMIN_PASSWORD: BENCH_ADMIN.password,
    LOG_LEVEL: 'info',
  };
}

/** The per-run resources behind one auth-api: a database, a Redis prefix, a keys directory. */
interface Backing {
  db: TestDatabase;
  redis: TestRedis;
  keysDir: string;
  release(): Promise<void>;
}

async function backing(): Promise<Backing> {
  await ensureTemplateDatabase();
  const db = await createTestDatabase();
  const redis = await createTestRedis();
  const keysDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wf-bench-keys-'));
  return {
    db,
    redis,
    keysDir,
    async release() {
      await db.drop();
      await redis.cleanup();
      fs.rmSync(keysDir, { recursive: true, force: true });
    },
  };
}

export interface BenchAuthApi {
  url: string;
  /** Name of the bench database behind it (for pg_stat_activity). */
  database: string;
  /** The child's pid, or this process's when running in-process. */
  pid: number;
  close(): Promise<void>;
}

/**
 * An auth-api inside this process. Unlike test/support/auth-api.ts (debug logging into an
 * array that grows with every request) it logs at the production level into a sink, so
 * logging costs what it costs in production minus the write itself.
 */
export async function startInProcessAuthApi(env: Record<string, string> = {}): Promise<BenchAuthApi> {
  const resources = await backing();
  try {
    const { config, secrets } = loadAuthApiConfig({
      ...benchAuthEnv(),
      AUTH_API_PORT: '0',
      DATABASE_URL: resources.db.url,
      REDIS_URL: resources.redis.url,
      REDIS_KEY_PREFIX: resources.redis.prefix,
      JWT_KEYS_DIR: resources.keysDir,
      ...env,
    });
    const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
    const logger = createLogger({ service: 'auth-api', level: config.logLevel, destination: sink });
    const api: RunningAuthApi = await startAuthApi(config, secrets, { logger });
    return {
      url: api.url,
      database: resources.db.name,
      pid: process.pid,
      async close() {
        await api.close();
        await resources.release();
      },
    };
  } catch (error) {
    await resources.release();
    throw error;
  }
}

/**
 * An auth-api in a child process started as production starts it (`node auth-api/dist/main.js`),
 * or by another entry point (`script`) given the same environment.
 */
export async function startChildAuthApi(
  env: Record<string, string> = {},
  script = 'auth-api/dist/main.js',
): Promise<BenchAuthApi & { service: ChildService }> {
  const resources = await backing();
  try {
    const port = await freePort();
    const service = await spawnService({
      // By default the compiled build, as production runs it (run.ts builds first); tsx would add ~80 MiB.
      script,
      port,
      env: {
        ...benchAuthEnv(),
        AUTH_API_PORT: String(port),
        DATABASE_URL: resources.db.url,
        REDIS_URL: resources.redis.url,
        REDIS_KEY_PREFIX: resources.redis.prefix,
        JWT_KEYS_DIR: resources.keysDir,
        DATA_DIR: resources.keysDir,
        ...env,
      },
    });
    return {
      url: service.url,
      database: resources.db.name,
      pid: service.pid,
      service,
      async close() {
        await service.stop();
        await resources.release();
      },
    };
  } catch (error) {
    await resources.release();
    throw error;
  }
}

export interface TokenPair {
  access_token: string;
  refresh_token: string;
}

/** Logs in as the bench admin; throws with the reply when it is not a 200. */
export async function loginOnce(client: JsonClient): Promise<TokenPair & { ms: number }> {
  const reply = await client.request('POST', '/v1/auth/login', BENCH_ADMIN);
  if (reply.status !== 200) throw new Error(`login failed: ${reply.status} ${reply.text.slice(0, 200)}`);
  return { ...parseJson<TokenPair>(reply), ms: reply.ms };
}

export { JsonClient };

/**
 * The first login to a fresh child: its admin is created only after its listener is up (so a
 * failed start never hides a generated password), so /healthz can answer before the admin
 * exists. Retries a 401 for a few seconds; anything else, or a 401 that lasts, throws.
 */
export async function firstLogin(
  client: JsonClient,
  patienceMs = 15_000,
): Promise<TokenPair & { ms: number }> {
  const deadline = Date.now() + patienceMs;
  for (;;) {
    try {
      return await loginOnce(client);
    } catch (error) {
      if (Date.now() > deadline || !String(error).includes('login failed: 401')) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
