import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import helmet, { type HelmetOptions } from 'helmet';

type HeaderStep = { set: string; value: string | string[] } | { remove: string };

/** What helmet does to a response, recorded instead of done. */
function recordHelmet(middleware: RequestHandler, path: string): HeaderStep[] {
  const steps: HeaderStep[] = [];
  const res = {
    setHeader(name: string, value: string | string[]) {
      steps.push({ set: name, value });
      return res;
    },
    removeHeader(name: string) {
      steps.push({ remove: name });
    },
  };
  const req = { method: 'GET', url: path, headers: {} } as IncomingMessage;
  let nextCalled = false;
  middleware(req as never, res as never, () => {
    nextCalled = true;
  });
  if (!nextCalled) throw new Error('helmet did not finish synchronously');
  return steps;
}

/**
 * Helmet's headers, worked out once. Helmet rebuilds every header (the Content-Security-Policy
 * string included) on each request, which cost 6 % of a refresh's CPU; with options that hold
 * no per-request functions its answer never changes, so it is recorded at start and replayed.
 * When two recordings differ (a directive computed per request, such as a nonce), helmet runs
 * on every request as before.
 */
export function securityHeaders(options: HelmetOptions): RequestHandler {
  const middleware = helmet(options);
  const steps = recordHelmet(middleware, '/');
  if (JSON.stringify(steps) !== JSON.stringify(recordHelmet(middleware, '/v1/other'))) return middleware;
  return (_req, res, next) => {
    applySteps(res, steps);
    next();
  };
}

function applySteps(res: ServerResponse, steps: readonly HeaderStep[]): void {
  for (const step of steps) {
    if ('set' in step) res.setHeader(step.set, step.value);
    else res.removeHeader(step.remove);
  }
}
