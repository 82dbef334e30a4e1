import { connectionFailure, endpointOf, StartupError } from '@wirefleet/shared/config';
import { isDatabaseUnavailable } from './connection-errors.js';

/** SQLSTATEs of a login Postgres refused: wrong password, or no pg_hba.conf entry / no such role. */
const REFUSED_LOGIN = new Set(['28P01', '28000']);

/**
 * Turns the first failed query against DATABASE_URL into what to do about it: create the
 * database, fix the credentials, or start Postgres / point the URL elsewhere. Other errors
 * (a failing migration, say) pass through unchanged: they are bugs, and their stack matters.
 */
export function databaseStartupError(error: unknown, databaseUrl: string): unknown {
  const url = new URL(databaseUrl);
  const endpoint = endpointOf(databaseUrl, 5432);
  const database =
    decodeURIComponent(url.pathname.slice(1)) || decodeURIComponent(url.username) || 'postgres';
  const user = decodeURIComponent(url.username) || 'the default user';
  const code = (error as { code?: unknown } | null)?.code;
  if (code === '3D000') {
    const createdb = `createdb -h ${url.hostname} -p ${url.port || 5432}${url.username ? ` -U ${decodeURIComponent(url.username)}` : ''} ${database}`;
    return new StartupError(
      `database "${database}" does not exist on ${endpoint}`,
      `create it (${createdb}) or set DATABASE_URL`,
      {
        cause: error,
      },
    );
  }
  if (typeof code === 'string' && REFUSED_LOGIN.has(code)) {
    const reason = error instanceof Error ? error.message : String(error);
    return new StartupError(
      `Postgres at ${endpoint} refused to log in ${user} (${reason})`,
      'fix the user and password in DATABASE_URL',
      {
        cause: error,
      },
    );
  }
  if (isDatabaseUnavailable(error)) {
    return new StartupError(
      `cannot reach Postgres at ${endpoint} (${connectionFailure(error)})`,
      'start Postgres there or set DATABASE_URL',
      {
        cause: error,
      },
    );
  }
  return error;
}
