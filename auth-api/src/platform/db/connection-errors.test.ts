import net from 'node:net';
import knexFactory, { type Knex } from 'knex';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { connectionFailureReason, isDatabaseUnavailable } from './connection-errors.js';

/** A loopback TCP server that does `onSocket` to every connection: a stand-in for a broken server. */
async function tcpServer(
  onSocket: (socket: net.Socket) => void,
): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    onSocket(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

async function closedPort(): Promise<number> {
  const server = await tcpServer(() => undefined);
  await server.close();
  return server.port;
}

/** The error a real query gets from knex against `port`. */
async function queryError(port: number, options: Partial<Knex.Config> = {}): Promise<unknown> {
  const knex = knexFactory({
    client: 'pg',
    connection: `postgres://postgres@127.0.0.1:${port}/test`,
    pool: { min: 0, max: 1 },
    log: {
      warn: () => undefined,
      error: () => undefined,
      deprecate: () => undefined,
      debug: () => undefined,
    },
    ...options,
  });
  try {
    await knex.raw('SELECT 1');
    throw new Error('the query unexpectedly succeeded');
  } catch (error) {
    return error;
  } finally {
    await knex.destroy();
  }
}

function databaseError(code: string, message: string): pg.DatabaseError {
  const error = new pg.DatabaseError(message, message.length, 'error');
  error.code = code;
  return error;
}

describe('isDatabaseUnavailable: an outage, not a bug', () => {
  const servers: Array<{ close(): Promise<void> }> = [];
  afterAll(async () => {
    for (const server of servers) await server.close();
  });

  it('a refused connection (Postgres down) is unavailability, and its reason names it', async () => {
    const error = await queryError(await closedPort());
    expect(isDatabaseUnavailable(error)).toBe(true);
    expect(connectionFailureReason(error)).toContain('ECONNREFUSED');
  });

  it('a server that drops the connection ("Connection terminated") is unavailability', async () => {
    const server = await tcpServer((socket) => socket.destroy());
    servers.push(server);
    const error = await queryError(server.port);
    expect(String((error as Error).message)).toMatch(/Connection terminated|ECONNRESET/);
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it('a server that never answers ends in the pool acquire timeout, which is unavailability', async () => {
    const server = await tcpServer(() => undefined);
    servers.push(server);
    // The connect timeout only lets the pool be destroyed afterwards; the acquire timeout comes first.
    const error = await queryError(server.port, {
      acquireConnectionTimeout: 200,
      connection: {
        connectionString: `postgres://postgres@127.0.0.1:${server.port}/test`,
        connectionTimeoutMillis: 2_000,
      },
    });
    expect((error as Error).name).toBe('KnexTimeoutError');
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    ['57P01', 'terminating connection due to administrator command'],
    ['57P02', 'terminating connection due to crash of another server process'],
    ['57P03', 'the database system is starting up'],
    ['53300', 'sorry, too many clients already'],
    ['08006', 'connection failure'],
    ['08003', 'connection does not exist'],
  ])('SQLSTATE %s (%s) is unavailability', (code, message) => {
    expect(isDatabaseUnavailable(databaseError(code, message))).toBe(true);
  });

  it('looks through causes and the attempts of an AggregateError', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED ::1:5432'), { code: 'ECONNREFUSED' });
    expect(isDatabaseUnavailable(new AggregateError([refused], ''))).toBe(true);
    expect(isDatabaseUnavailable(new Error('wrapped', { cause: databaseError('57P01', 'shutdown') }))).toBe(
      true,
    );
  });

  it.each([
    ['23505', 'duplicate key value violates unique constraint'],
    ['42601', 'syntax error at or near "SELEC"'],
    ['22P02', 'invalid input syntax for type integer'],
    ['3D000', 'database "x" does not exist'],
  ])('SQLSTATE %s (%s) stays a 500: a bug or a bad request, not an outage', (code, message) => {
    expect(isDatabaseUnavailable(databaseError(code, message))).toBe(false);
  });

  it('plain errors and non-errors are not unavailability', () => {
    expect(isDatabaseUnavailable(new Error('something else broke'))).toBe(false);
    expect(isDatabaseUnavailable(undefined)).toBe(false);
    expect(isDatabaseUnavailable('ECONNREFUSED')).toBe(false);
  });
});
