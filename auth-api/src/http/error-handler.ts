import { PROBLEM_CONTENT_TYPE, toProblem, WirefleetError } from '@wirefleet/shared/errors';
import type { Logger } from '@wirefleet/shared/logging';
import type { ErrorRequestHandler, RequestHandler, Response } from 'express';

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

/** The one error middleware: problem+json for every failure, 4xx logged at info, 5xx at error. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const known =
      error instanceof WirefleetError
        ? error
        : (typeof error === 'object' && error !== null && fromBodyParser(error as { type?: unknown })) || undefined;
    const final = known ?? new WirefleetError('internal_error', { cause: error });
    if (final.status >= 500) {
      logger.error({ err: error, method: req.method, url: req.originalUrl }, 'request failed');
    } else {
      logger.info({ code: final.code, status: final.status, method: req.method, url: req.originalUrl }, 'request refused');
    }
    if (res.headersSent) return;
    sendProblem(res, final);
  };
}

export const notFoundHandler: RequestHandler = (_req, _res, next) => {
  next(new WirefleetError('not_found', { detail: 'no such route' }));
};
