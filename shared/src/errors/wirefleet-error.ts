import { type ErrorCode, errorCatalogue } from './catalogue.js';

export interface FieldError {
  path: string;
  message: string;
}

export interface ErrorOptions {
  /** Shown to the client; must never contain secrets or internal state. */
  detail?: string;
  /** Field-level validation errors (only for `invalid_request`). */
  errors?: FieldError[];
  /** Seconds until a retry may succeed (429/503); becomes `Retry-After`. */
  retryAfterSeconds?: number;
  /** The underlying failure, for logs only; never serialised to a client. */
  cause?: unknown;
}

/** An error with a stable code from the catalogue. Everything a service throws on purpose is one. */
export class WirefleetError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly detail: string | undefined;
  readonly errors: FieldError[] | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, options: ErrorOptions = {}) {
    super(options.detail ?? errorCatalogue[code].title, { cause: options.cause });
    this.name = 'WirefleetError';
    this.code = code;
    this.status = errorCatalogue[code].status;
    this.detail = options.detail;
    this.errors = options.errors;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export function isWirefleetError(value: unknown): value is WirefleetError {
  return value instanceof WirefleetError;
}
