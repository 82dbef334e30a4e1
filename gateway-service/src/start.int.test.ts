import http from 'node:http';
import net from 'node:net';
import { Writable } from 'node:stream';
import { StartupError } from '@wirefleet/shared/config';
import { createLogger } from '@wirefleet/shared/logging';
import { afterAll, describe, expect, it } from 'vitest';
import { createTokenFactory } from '../../test/support/forged-tokens.js';
import { createTestRedis } from '../../test/support/redis.js';
import { connect, upgradeStatus } from '../../test/support/ws-client.js';
import { loadGatewayConfig } from './config.js';
import { type RunningGateway, startGateway } from './start.js';

const ISSUER = 'http://auth.wirefleet.test';

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface LogLine {
  level: string;
  msg: string;
  subsystem?: string;
  jwksUrl?: string;
}

function capture() {
  const lines: LogLine[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean))
        lines.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  return { lines, logger: createLogger({ service: 'gateway', level: 'debug', destination }) };
}

function start(env: Record<string, string>, logger = capture().logger): Promise<RunningGateway> {
  const config = loadGatewayConfig({
    GATEWAY_HOST: '127.0.0.1',
    GATEWAY_PORT: '0',
    AUTH_ISSUER: ISSUER,
    ...env,
  });
  return startGateway(config, { logger });
}

async function startFailure(env: Record<string, string>): Promise<StartupError> {
  const error = await start(env).then(
    async (gateway) => {
      await gateway.close();
      return new Error('the gateway started');
    },
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(StartupError);
  return error as StartupError;
}

const readyz = async (gateway: RunningGateway) => {
  const response = await fetch(`http://127.0.0.1:${gateway.port}/readyz`);
  return { status: response.status, body: (await response.json()) as { checks: Record<string, string> } };
};

describe('gateway start-up', () => {
  const running: RunningGateway[] = [];
  const servers: http.Server[] = [];
  afterAll(async () => {
    for (const gateway of running) await gateway.close();
    for (const server of servers) server.close();
  });

  it('refuses a port another gateway already listens on, naming GATEWAY_PORT; the first keeps serving', async () => {
    const tokens = createTokenFactory({ issuer: ISSUER });
    const jwks = await serveJwks(await closedPort(), tokens.jwks);
    servers.push(jwks.server);
    const first = await start({ AUTH_JWKS_URL: jwks.url });
    running.push(first);
    const error = await startFailure({ AUTH_JWKS_URL: jwks.url, GATEWAY_PORT: String(first.port) });
    expect(error.message).toBe(
      `port ${first.port} on 127.0.0.1 is already in use by another process — stop that process or set GATEWAY_PORT to a free port`,
    );
    expect((await fetch(`http://127.0.0.1:${first.port}/healthz`)).status).toBe(200);
  });

  it('refuses to start without its Redis, naming REDIS_URL', async () => {
    const port = await closedPort();
    const error = await startFailure({ REDIS_URL: `redis://127.0.0.1:${port}` });
    expect(error.message).toBe(
      `cannot reach Redis at 127.0.0.1:${port} (connection refused: nothing listens there) — start Redis there or set REDIS_URL`,
    );
  });

  it('an unreachable JWKS: logged with AUTH_JWKS_URL, /readyz 503 until the keys load, then 200, and tokens verify', async () => {
    const { lines, logger } = capture();
    const jwksPort = await closedPort();
    const jwksUrl = `http://127.0.0.1:${jwksPort}/.well-known/jwks.json`;
    const gateway = await start({ AUTH_JWKS_URL: jwksUrl }, logger);
    running.push(gateway);

    const failure = lines.find((line) => line.level === 'error' && line.jwksUrl === jwksUrl);
    expect(failure?.msg).toMatch(
      /^cannot load the token signing keys from .* — start the auth-api or set AUTH_JWKS_URL/,
    );
    for (let probe = 0; probe < 3; probe += 1) {
      expect(await readyz(gateway)).toEqual({
        status: 503,
        body: expect.objectContaining({ code: 'not_ready', checks: { bus: 'ok', keys: 'unavailable' } }),
      });
    }
    const tokens = createTokenFactory({ issuer: ISSUER });
    expect(await upgradeStatus(gateway.url, tokens.sign({ sub: 'user:1', role: 'viewer' }))).toBe(401);

    const jwks = await serveJwks(jwksPort, tokens.jwks);
    servers.push(jwks.server);
    await expect
      .poll(async () => (await readyz(gateway)).status, { timeout: 20_000, interval: 250 })
      .toBe(200);
    expect((await readyz(gateway)).body.checks).toEqual({ bus: 'ok', keys: 'ok' });
    const socket = await connect(gateway.url, tokens.sign({ sub: 'user:1', role: 'viewer' }));
    expect(await socket.next((frame) => frame.type === 'welcome')).toMatchObject({ sub: 'user:1' });
    socket.close();

    const readiness = lines
      .filter((line) => line.subsystem === 'readiness')
      .map((line) => `${line.level}: ${line.msg}`);
    expect(readiness).toEqual([
      'warn: not ready (keys: no token signing keys loaded yet (AUTH_JWKS_URL))',
      'info: ready again: every dependency answers',
    ]);
    expect(lines.filter((line) => line.msg === 'token signing keys loaded')).toHaveLength(1);
  });

  it('a normal start with Redis and a reachable JWKS logs nothing at warn or above', async () => {
    const { lines, logger } = capture();
    const redis = await createTestRedis();
    const tokens = createTokenFactory({ issuer: ISSUER });
    const jwks = await serveJwks(await closedPort(), tokens.jwks);
    servers.push(jwks.server);
    const gateway = await start(
      { REDIS_URL: redis.url, REDIS_KEY_PREFIX: redis.prefix, AUTH_JWKS_URL: jwks.url },
      logger,
    );
    try {
      expect((await readyz(gateway)).status).toBe(200);
      const socket = await connect(gateway.url, tokens.sign({ sub: 'user:1', role: 'viewer' }));
      await socket.next((frame) => frame.type === 'welcome');
      socket.close();
      expect(lines.filter((line) => ['warn', 'error', 'fatal'].includes(line.level))).toEqual([]);
    } finally {
      await gateway.close();
      await redis.cleanup();
    }
  });
});

async function serveJwks(port: number, jwks: unknown): Promise<{ server: http.Server; url: string }> {
  const server = http.createServer((_req, res) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks)),
  );
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${port}/.well-known/jwks.json` };
}
