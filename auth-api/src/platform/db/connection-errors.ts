/**
 * Telling "the database cannot be reached right now" apart from every other database error.
 * The first kind is an outage the client should wait out (503 with Retry-After); the second
 * is a bug or a bad request and stays a 500.
 */

/** Socket errors of a server that is down, restarting or not reachable over the network. */
const UNREACHABLE_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * SQLSTATEs of a server that is going away or not taking connections yet: admin_shutdown,
 * crash_shutdown, cannot_connect_now, too_many_connections. Class 08 (connection exception)
 * is matched by prefix.
 */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);

/** node-postgres reports a dropped or timed-out connection with these messages and no code. */
const LOST_CONNECTION_MESSAGE =
  /Connection terminated|connection error and is not queryable|Client was closed and is not queryable|timeout exceeded when trying to connect/i;

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  errors?: unknown;
}

function isUnavailableOne(error: ErrorLike): boolean {
  const code = typeof error.code === 'string' ? error.code : '';
  if (UNREACHABLE_ERRNOS.has(code) || UNAVAILABLE_SQLSTATES.has(code)) return true;
  // SQLSTATEs are five characters; an errno like "08..." does not exist, so the length guards.
  if (code.length === 5 && code.startsWith('08')) return true;
  // The knex pool gave up waiting for a connection: every attempt to open one failed or hung.
  if (error.name === 'KnexTimeoutError') return true;
  return typeof error.message === 'string' && LOST_CONNECTION_MESSAGE.test(error.message);
}

/**
 * True when `error` (or what it wraps: `cause`, or the attempts of an AggregateError, which is
 * what Node reports when every address of a host refused) means the database is unreachable.
 */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 5) return false;
  const candidate = error as ErrorLike;
  if (isUnavailableOne(candidate)) return true;
  if (
    Array.isArray(candidate.errors) &&
    candidate.errors.some((inner) => isDatabaseUnavailable(inner, depth + 1))
  ) {
    return true;
  }
  return isDatabaseUnavailable(candidate.cause, depth + 1);
}

/** A short, secret-free reason for logs: the code and message of the innermost useful error. */
export function connectionFailureReason(error: unknown): string {
  if (typeof error !== 'object' || error === null) return String(error);
  const candidate = error as ErrorLike;
  const code = typeof candidate.code === 'string' ? candidate.code : undefined;
  const message =
    typeof candidate.message === 'string' && candidate.message !== '' ? candidate.message : undefined;
  if (!message && Array.isArray(candidate.errors) && candidate.errors.length > 0) {
    return connectionFailureReason(candidate.errors[0]);
  }
  if (message && code && !message.includes(code)) return `${code}: ${message}`;
  return message ?? code ?? 'unknown error';
}
