import net from 'node:net';
import type { Logger } from 'pino';
import { ConfigError } from './env.js';

/**
 * A start-up failure a person can act on: what is wrong, and the variable to set or the
 * command to run that fixes it. `main` logs it as one line and exits non-zero, with no stack
 * trace: the stack of "connection refused" says nothing the message does not.
 */
export class StartupError extends Error {
  constructor(
    readonly problem: string,
    readonly fix: string,
    options: { cause?: unknown } = {},
  ) {
    super(`${problem} — ${fix}`, { cause: options.cause });
    this.name = 'StartupError';
  }
}

const SOCKET_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused: nothing listens there',
  ECONNRESET: 'the connection was reset',
  ETIMEDOUT: 'the connection timed out',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name could not be resolved right now',
};

/** The first errno-style code in an error, its `cause`s, or an AggregateError's attempts. */
export function errorCode(error: unknown, depth = 0): string | undefined {
  if (typeof error !== 'object' || error === null || depth > 5) return undefined;
  const candidate = error as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof candidate.code === 'string') return candidate.code;
  if (Array.isArray(candidate.errors)) {
    for (const inner of candidate.errors) {
      const code = errorCode(inner, depth + 1);
      if (code) return code;
    }
  }
  return errorCode(candidate.cause, depth + 1);
}

/** Why a connection attempt failed, in words; the raw message when the code is not a socket one. */
export function connectionFailure(error: unknown): string {
  const code = errorCode(error);
  if (code && SOCKET_REASONS[code]) return SOCKET_REASONS[code];
  return error instanceof Error && error.message ? error.message : String(error);
}

/** `host:port` of a URL, never its credentials. */
export function endpointOf(url: string, defaultPort: number): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || defaultPort}`;
}

export interface ListenTarget {
  host: string;
  port: number;
  hostVariable: string;
  portVariable: string;
}

/** Turns a failed `listen` into what to change: the port variable, or the host variable. */
export function listenStartupError(error: unknown, target: ListenTarget): StartupError {
  const where = `${target.host}:${target.port}`;
  switch (errorCode(error)) {
    case 'EADDRINUSE':
      return new StartupError(
        `port ${target.port} on ${target.host} is already in use by another process`,
        `stop that process or set ${target.portVariable} to a free port`,
        { cause: error },
      );
    case 'EACCES':
      return new StartupError(
        `no permission to listen on ${where} (ports below 1024 need privileges)`,
        `set ${target.portVariable} to a port above 1023`,
        { cause: error },
      );
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new StartupError(
        `cannot listen on ${where}: ${target.host} is not an address of this machine`,
        `set ${target.hostVariable}`,
        {
          cause: error,
        },
      );
    default:
      return new StartupError(
        `cannot listen on ${where}: ${connectionFailure(error)}`,
        `set ${target.hostVariable} / ${target.portVariable}`,
        {
          cause: error,
        },
      );
  }
}

/**
 * Why `host:port` cannot be listened on, found by trying with Node's own socket: for servers
 * (uWebSockets.js) whose failed listen says only "false". Undefined if the port is free now.
 */
export function probeListen(host: string, port: number): Promise<Error | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', (error) => resolve(error));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}

/** Redis could not be reached (or refused us) at start. */
export function redisStartupError(redisUrl: string, error: unknown): StartupError {
  const endpoint = endpointOf(redisUrl, 6379);
  const message = error instanceof Error ? error.message : String(error);
  if (/^(NOAUTH|WRONGPASS|NOPERM)/.test(message)) {
    return new StartupError(
      `Redis at ${endpoint} refused the credentials (${message.split(' ')[0]})`,
      'set the user and password in REDIS_URL',
      {
        cause: error,
      },
    );
  }
  return new StartupError(
    `cannot reach Redis at ${endpoint} (${connectionFailure(error)})`,
    'start Redis there or set REDIS_URL',
    {
      cause: error,
    },
  );
}

/**
 * Logs a start-up failure as one line at `fatal` and returns the exit code: 2 for a bad
 * configuration, 1 for anything else. Only an unexpected error (a bug) carries its stack.
 */
export function reportStartupFailure(logger: Logger, error: unknown): number {
  if (error instanceof ConfigError) {
    logger.fatal({ problems: error.problems }, `invalid configuration: ${error.problems.join('; ')}`);
    return 2;
  }
  if (error instanceof StartupError) {
    logger.fatal({ problem: error.problem, fix: error.fix }, error.message);
    return 1;
  }
  logger.fatal({ err: error }, `failed to start: ${error instanceof Error ? error.message : String(error)}`);
  return 1;
}
