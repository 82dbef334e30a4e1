import { type ErrorCode, PROBLEM_CONTENT_TYPE, toProblem, WirefleetError } from '@wirefleet/shared/errors';
import type { HttpResponse } from 'uWebSockets.js';

const REASONS: Record<number, string> = {
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/**
 * Every plain HTTP answer closes its connection. Probes and scrapers lose nothing, and no
 * keep-alive connection outlives a TLS reload, which frees the router of the server name it
 * connected by (uws/listener.ts).
 */
export const CLOSE = true;

/** The status line of a catalogue code, e.g. `401 Unauthorized`. */
export function statusLine(status: number): string {
  return `${status} ${REASONS[status] ?? 'Error'}`;
}

/**
 * Answers with the problem+json of a catalogue code, as the auth-api does (title and status
 * from shared/src/errors, `detail` for the client), plus `extra` members, and closes.
 * Call inside `res.cork` when answering after an await.
 */
export function writeProblem(
  res: HttpResponse,
  code: ErrorCode,
  detail?: string,
  extra: Record<string, unknown> = {},
): void {
  const problem = toProblem(new WirefleetError(code, detail === undefined ? {} : { detail }));
  res
    .writeStatus(statusLine(problem.status))
    .writeHeader('content-type', PROBLEM_CONTENT_TYPE)
    .end(JSON.stringify({ ...problem, ...extra }), CLOSE);
}
