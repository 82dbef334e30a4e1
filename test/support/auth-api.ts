import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import {
  type AuthApiConfig,
  loadAuthApiConfig,
  type RunningAuthApi,
  type StartOverrides,
  startAuthApi,
} from '@wirefleet/auth-api';
import { createLogger } from '@wirefleet/shared/logging';
import { RESPONSE_VIOLATION_MESSAGE } from '../../auth-api/src/platform/http/routes/index.js';
import { createTestDatabase, type TestDatabase } from './db.js';
import { createTestRedis, type TestRedis } from './redis.js';

export const ADMIN_USERNAME = 'admin';
export const ADMIN_PASSWORD = 'correct horse battery staple';
export const TEST_ISSUER = 'http://auth.wirefleet.test';

export interface TestAuthApi {
  api: RunningAuthApi;
  url: string;
  config: AuthApiConfig;
  db: TestDatabase;
  redis: TestRedis | undefined;
  keysDir: string;
  /** Every JSON log line the service wrote (for "no secret in any log" assertions). */
  logLines: string[];
  close(): Promise<void>;
}

export interface TestAuthApiOptions {
  /** Extra environment, e.g. tighter rate limits. */
  env?: Record<string, string>;
  /** Use real Redis (default true); false runs the in-process bus and memory limits. */
  redis?: boolean;
  now?: () => number;
  /** Single-process stacks: the bus, ingest and revocation store it shares with a gateway. */
  shared?: Pick<StartOverrides, 'bus' | 'ingest' | 'revocations'>;
}

/**
 * Starts a real auth-api on port 0 against a fresh database cloned from the run's template,
 * a Redis key prefix of its own and a temporary keys directory. Argon2 runs with small
 * parameters so suites stay fast; tests that measure hashing set their own.
 */
export async function startTestAuthApi(options: TestAuthApiOptions = {}): Promise<TestAuthApi> {
  const db = await createTestDatabase();
  const redis = options.redis === false ? undefined : await createTestRedis();
  const keysDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wf-keys-'));
  const { config, secrets } = loadAuthApiConfig({
    AUTH_API_HOST: '127.0.0.1',
    AUTH_API_PORT: '0',
    // A fixed issuer: with port 0 the listening URL is only known after start.
    AUTH_PUBLIC_URL: TEST_ISSUER,
    DATABASE_URL: db.url,
    ...(redis ? { REDIS_URL: redis.url, REDIS_KEY_PREFIX: redis.prefix } : {}),
    JWT_KEYS_DIR: keysDir,
    ARGON2_MEMORY_KIB: '1024',
    ARGON2_ITERATIONS: '1',
    ADMIN_USERNAME,
    ADMIN_PASSWORD,
    LOG_LEVEL: 'debug',
    ...options.env,
  });
  const logLines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  const logger = createLogger({ service: 'auth-api', level: 'debug', destination });
  const api = await startAuthApi(config, secrets, {
    logger,
    ...options.shared,
    ...(options.now ? { now: options.now } : {}),
  });
  // The issuer must match the listening URL for tokens to verify; port 0 is only known now.
  return {
    api,
    url: api.url,
    config,
    db,
    redis,
    keysDir,
    logLines,
    async close() {
      await api.close();
      await db.drop();
      await redis?.cleanup();
      fs.rmSync(keysDir, { recursive: true, force: true });
      // Each violation already failed its request with a 500; this catches a test that never looked.
      const violations = logLines.filter((line) => line.includes(RESPONSE_VIOLATION_MESSAGE));
      if (violations.length > 0)
        throw new Error(`responses that drifted from their schemas:\n${violations.join('\n')}`);
      // Each logger comes from subsystemLogger(root, name) once; a child of a child repeats the key.
      const doubled = logLines.filter(hasDoubledSubsystem);
      if (doubled.length > 0) throw new Error(`log lines with "subsystem" twice:\n${doubled.join('\n')}`);
    },
  };
}

/** True when a raw JSON log line carries the `subsystem` key more than once (JSON.parse would hide it). */
export function hasDoubledSubsystem(line: string): boolean {
  return (line.match(/"subsystem":/g) ?? []).length > 1;
}

export interface JsonResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

/** A small JSON client: `call(url, 'POST', '/v1/auth/login', {body})`. */
export async function call<T = Record<string, unknown>>(
  baseUrl: string,
  method: string,
  route: string,
  options: {
    body?: unknown;
    token?: string;
    headers?: Record<string, string>;
    rawBody?: string;
    signal?: AbortSignal;
  } = {},
): Promise<JsonResponse<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.rawBody !== undefined) body = options.rawBody;
  else if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined) headers['content-type'] ??= 'application/json';
  const response = await fetch(baseUrl + route, {
    method,
    headers,
    ...(body !== undefined ? { body } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // Not JSON: the test sees `text`.
  }
  return { status: response.status, headers: response.headers, body: parsed as T, text };
}

export interface LoginResult {
  access_token: string;
  refresh_token: string;
  expires_in: number;
  refresh_expires_in: number;
  token_type: string;
}

export async function login(
  baseUrl: string,
  username = ADMIN_USERNAME,
  password = ADMIN_PASSWORD,
): Promise<LoginResult> {
  const response = await call<LoginResult>(baseUrl, 'POST', '/v1/auth/login', {
    body: { username, password },
  });
  if (response.status !== 200)
    throw new Error(`login as ${username} failed: ${response.status} ${response.text}`);
  return response.body;
}
