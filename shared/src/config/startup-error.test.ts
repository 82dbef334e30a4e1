import net from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from './env.js';
import {
  listenStartupError,
  probeListen,
  redisStartupError,
  reportStartupFailure,
  StartupError,
} from './startup-error.js';

async function listening(): Promise<net.Server & { port: number }> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(server, { port: (server.address() as net.AddressInfo).port });
}

function capturingLogger() {
  const lines: string[] = [];
  return { logger: pino({ level: 'info' }, { write: (line: string) => lines.push(line) }), lines };
}

const target = (port: number) => ({
  host: '127.0.0.1',
  port,
  hostVariable: 'SVC_HOST',
  portVariable: 'SVC_PORT',
});

describe('start-up errors name the problem and the fix', () => {
  const servers: net.Server[] = [];
  afterEach(() => {
    for (const server of servers.splice(0)) server.close();
  });

  it('a taken port names the port variable; probeListen finds out why a listen failed', async () => {
    const taken = await listening();
    servers.push(taken);
    const why = await probeListen('127.0.0.1', taken.port);
    expect((why as NodeJS.ErrnoException).code).toBe('EADDRINUSE');
    const error = listenStartupError(why, target(taken.port));
    expect(error.message).toBe(
      `port ${taken.port} on 127.0.0.1 is already in use by another process — stop that process or set SVC_PORT to a free port`,
    );
    taken.close();
    await new Promise((resolve) => taken.once('close', resolve));
    expect(await probeListen('127.0.0.1', taken.port)).toBeUndefined();
  });

  it('an address that is not on this machine names the host variable', async () => {
    // 192.0.2.0/24 is TEST-NET-1: never assigned to a host.
    const why = await probeListen('192.0.2.1', 0);
    const error = listenStartupError(why, { ...target(0), host: '192.0.2.1' });
    expect(error.fix).toBe('set SVC_HOST');
    expect(error.problem).toContain('192.0.2.1 is not an address of this machine');
  });

  it('an unreachable Redis names REDIS_URL and the endpoint, never the password in it', async () => {
    const closed = await listening();
    closed.close();
    await new Promise((resolve) => closed.once('close', resolve));
    const refused = await new Promise<Error>((resolve) => {
      const socket = net.connect(closed.port, '127.0.0.1');
      socket.once('error', resolve);
    });
    const error = redisStartupError(`redis://:hunter2-secret@127.0.0.1:${closed.port}`, refused);
    expect(error.message).toBe(
      `cannot reach Redis at 127.0.0.1:${closed.port} (connection refused: nothing listens there) — start Redis there or set REDIS_URL`,
    );
    expect(error.message).not.toContain('hunter2');
  });

  it('a StartupError is one fatal line without a stack, exit code 1', () => {
    const { logger, lines } = capturingLogger();
    const code = reportStartupFailure(
      logger,
      new StartupError('database "x" does not exist', 'create it (createdb x) or set DATABASE_URL'),
    );
    expect(code).toBe(1);
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]!);
    expect(line).toMatchObject({
      level: 60,
      msg: 'database "x" does not exist — create it (createdb x) or set DATABASE_URL',
      fix: 'create it (createdb x) or set DATABASE_URL',
    });
    expect(lines[0]).not.toContain('stack');
  });

  it('a ConfigError is one fatal line naming every variable, exit code 2', () => {
    const { logger, lines } = capturingLogger();
    const code = reportStartupFailure(
      logger,
      new ConfigError([
        'ALLOWED_ORIGINS: "not a url" is not an origin',
        'GATEWAY_PORT: expected a TCP port number',
      ]),
    );
    expect(code).toBe(2);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!).msg).toBe(
      'invalid configuration: ALLOWED_ORIGINS: "not a url" is not an origin; GATEWAY_PORT: expected a TCP port number',
    );
  });

  it('an unexpected error (a bug) is still one line, and keeps its stack for whoever fixes it', () => {
    const { logger, lines } = capturingLogger();
    expect(reportStartupFailure(logger, new TypeError('x is not a function'))).toBe(1);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      level: 60,
      msg: 'failed to start: x is not a function',
      err: { stack: expect.any(String) },
    });
  });
});
