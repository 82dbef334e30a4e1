import { PROBLEM_CONTENT_TYPE, toProblem, WirefleetError } from '@wirefleet/shared/errors';
import type { Logger } from '@wirefleet/shared/logging';
import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import { connectionFailureReason, isDatabaseUnavailable } from '../db/index.js';

/** How long a client should wait before retrying while the database is away. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

export function sendProblem(res: Response, error: WirefleetError): void {
  if (error.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(Math.max(1, Math.ceil(error.retryAfterSeconds))));
  res.status(error.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(toProblem(error)));
}

/** Maps body-parser failures (they carry a `type`) onto catalogue errors. */
function fromBodyParser(error: { type?: unknown; status?: unknown }): WirefleetError | undefined {
  switch (error.type) {
    case 'entity.parse.failed':
      return new WirefleetError('invalid_request', {
        detail: 'the request body is not valid JSON',
        errors: [{ path: '(body)', message: 'malformed JSON' }],
      });
    case 'entity.too.large':
      return new WirefleetError('payload_too_large', { detail: 'request bodies are limited to 64 KiB' });
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new WirefleetError('unsupported_media_type', { detail: 'the request body must be UTF-8 JSON' });
    default:
      return undefined;
  }
}

/**
 * Any other library error that says it is the client's fault (http-errors from the router or
 * raw-body: a wrong Content-Length, an aborted or undecodable body) stays a 4xx: a 500 would
 * blame the server and page someone for a bad request.
 */
function fromClientFault(error: { status?: unknown; statusCode?: unknown }): WirefleetError | undefined {
  const status = typeof error.status === 'number' ? error.status : error.statusCode;
  if (typeof status !== 'number' || status < 400 || status > 499) return undefined;
  if (status === 413) return new WirefleetError('payload_too_large', { detail: 'request bodies are limited to 64 KiB' });
  if (status === 415) return new WirefleetError('unsupported_media_type');
  return new WirefleetError('invalid_request', { detail: 'the request could not be read', cause: error });
}

/** Any thrown value as a catalogue error: ours as they are, known library failures mapped. */
function toWirefleetError(error: unknown): WirefleetError {
  if (error instanceof WirefleetError) return error;
  if (typeof error !== 'object' || error === null) return new WirefleetError('internal_error', { cause: error });
  const fromParser = fromBodyParser(error as { type?: unknown }) ?? fromClientFault(error as { status?: unknown });
  if (fromParser) return fromParser;
  if (isDatabaseUnavailable(error)) {
    return new WirefleetError('service_unavailable', { retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS, cause: error });
  }
  return new WirefleetError('internal_error', { cause: error });
}

/**
 * The one error middleware: problem+json for every failure, 4xx logged at info, 5xx at error.
 * An unreachable database is logged at warn with its reason and no stack: it is an outage the
 * readiness log already reports, and a stack per refused request would bury that line.
 */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const final = toWirefleetError(error);
    if (final.code === 'service_unavailable') {
      logger.warn(
        { code: final.code, reason: connectionFailureReason(error), method: req.method, url: req.originalUrl },
        'request refused: the database is unreachable',
      );
    } else if (final.status >= 500) {
      logger.error({ err: error, method: req.method, url: req.originalUrl }, 'request failed');
    } else {
      logger.info(
        { code: final.code, status: final.status, method: req.method, url: req.originalUrl, ...refusalReason(final) },
        'request refused',
      );
    }
    if (res.headersSent) return;
    sendProblem(res, final);
  };
}

/**
 * Why a token was refused, for the log: a 401 body says only `invalid_token` (CONTRACT §2), so
 * the verifier's reason and message (which may quote the token's own header) are logged here.
 */
function refusalReason(error: WirefleetError): { reason?: string; why?: string } {
  const cause = error.cause;
  if (error.status !== 401 || !(cause instanceof Error)) return {};
  const reason = (cause as { reason?: unknown }).reason;
  return { ...(typeof reason === 'string' ? { reason } : {}), why: cause.message.slice(0, 200) };
}

export const notFoundHandler: RequestHandler = (_req, _res, next) => {
  next(new WirefleetError('not_found', { detail: 'no such route' }));
};
