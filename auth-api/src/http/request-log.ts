import type { Logger } from '@wirefleet/shared/logging';
import type { RequestHandler } from 'express';

/**
 * One log line per finished request: 5xx at error, 4xx at info, the rest at debug. Nothing is
 * allocated for a request whose line would not be written — pino-http's per-request child
 * logger cost ~10 % of a refresh's CPU time even when it logged nothing. Bodies and headers are
 * never logged, so no secret can reach a line from here.
 */
export function requestLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const status = res.statusCode;
      const level = status >= 500 ? 'error' : status >= 400 ? 'info' : 'debug';
      if (!logger.isLevelEnabled(level)) return;
      logger[level](
        {
          method: req.method,
          url: req.originalUrl.split('?')[0],
          status,
          ms: Number(process.hrtime.bigint() - started) / 1e6,
          ip: req.ip,
        },
        'request',
      );
    });
    next();
  };
}
