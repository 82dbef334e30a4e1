import { type ErrorCode, errorCatalogue } from '@wirefleet/shared/errors';

export interface FieldError {
  path: string;
  message: string;
}

/** A failed API call, from its RFC 9457 body: `code` is the catalogue's stable name. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string | undefined,
    readonly fieldErrors: FieldError[] = [],
    readonly retryAfterSeconds?: number,
  ) {
    super(detail ?? code);
    this.name = 'ApiError';
  }
}

/**
 * What the dashboard says for a catalogue code, where the catalogue's own title would not read
 * well to an operator. Every other code falls back to the catalogue's title.
 */
const WORDS: Partial<Record<ErrorCode, string>> = {
  invalid_credentials: 'Wrong username or password.',
  totp_invalid: 'That code is not valid. Check the time on your authenticator and try again.',
  invalid_token: 'Your session has ended. Sign in again.',
  invalid_grant: 'Your session has ended. Sign in again.',
  token_reused: 'Your session was ended because its token was used twice. Sign in again.',
  forbidden: 'Your role does not allow this.',
  not_found: 'It no longer exists; someone may have deleted it.',
  conflict: 'This conflicts with something that already exists.',
  no_nodes_available_in_region: 'No node of that region is online to take the device.',
  network_full: 'The tunnel network has no free addresses left.',
  service_unavailable: 'The database is unreachable. Retrying in a moment may help.',
  server_busy: 'The server is busy. Try again in a moment.',
  internal_error: 'Something went wrong on the server.',
};

const isCatalogued = (code: string): code is ErrorCode => Object.hasOwn(errorCatalogue, code);

/** One sentence or two for any failure: the catalogue's words, the server's detail, field errors. */
export function describeError(error: unknown): string {
  if (!(error instanceof ApiError)) {
    if (error instanceof TypeError) return 'The server cannot be reached. Check the connection and try again.';
    return error instanceof Error ? error.message : String(error);
  }
  const base = isCatalogued(error.code) ? (WORDS[error.code] ?? `${errorCatalogue[error.code].title}.`) : error.message;
  const parts = [base];
  if (error.code === 'rate_limited' && error.retryAfterSeconds !== undefined) {
    parts.push(`Try again in ${error.retryAfterSeconds} s.`);
  }
  if (error.fieldErrors.length > 0) {
    parts.push(error.fieldErrors.map((field) => `${field.path}: ${field.message}`).join('; '));
  } else if (
    error.detail &&
    isCatalogued(error.code) &&
    error.status < 500 &&
    error.detail !== base &&
    error.detail !== errorCatalogue[error.code].title
  ) {
    parts.push(`(${error.detail})`);
  }
  return parts.join(' ');
}
