import type { Logger } from '@wirefleet/shared/logging';
import type { RequestHandler } from 'express';

/**
 * A route whose answer is reported elsewhere sets this level in `res.locals` (readiness probes:
 * their 503 is logged once per change of state, not once per probe).
 */
export const REQUEST_LOG_LEVEL = 'requestLogLevel';

type Level = 'error' | 'warn' | 'info' | 'debug';

function levelFor(status: number, override: unknown): Level {
  if (override === 'error' || override === 'warn' || override === 'info' || override === 'debug') return override;
  // 503 means "come back later" (database away, hashing queue full): an outage, not a defect.
  if (status === 503) return 'warn';
  return status >= 500 ? 'error' : status >= 400 ? 'info' : 'debug';
}

/**
 * One log line per finished request: 5xx at error (503 at warn), 4xx at info, the rest at debug. Nothing is
 * allocated for a request whose line would not be written — pino-http's per-request child
 * logger cost ~10 % of a refresh's CPU time even when it logged nothing. Bodies and headers are
 * never logged, so no secret can reach a line from here.
 */
export function requestLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const status = res.statusCode;
      const level = levelFor(status, res.locals[REQUEST_LOG_LEVEL]);
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
