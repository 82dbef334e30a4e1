import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { type ErrorCode, toProblem, WirefleetError } from '@wirefleet/shared/errors';

/** The request line and headers must arrive within this; Node's default (60 s) feeds slowloris. */
export const HEADERS_TIMEOUT_MS = 10_000;
/** A whole request (a body is at most 64 KiB) must arrive within this; Node's default is 300 s. */
export const REQUEST_TIMEOUT_MS = 30_000;

const REASONS: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' };

/** What Node's HTTP parser rejected, in catalogue terms. */
function codeFor(error: NodeJS.ErrnoException): ErrorCode {
  if (error.code === 'HPE_HEADER_OVERFLOW') return 'headers_too_large';
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') return 'request_timeout';
  return 'invalid_request';
}

/**
 * Bounds how long a client may take to send a request, and answers what Node's parser refuses
 * (a malformed head, one over 16 KiB, one too slow) with problem+json like every other refusal,
 * instead of Node's bare status line. The connection is closed afterwards: the parser's state
 * is unknown.
 */
export function applyServerLimits(server: Server): void {
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const problem = toProblem(new WirefleetError(codeFor(error), { detail: 'the request could not be read' }));
    const body = JSON.stringify(problem);
    socket.end(
      `HTTP/1.1 ${problem.status} ${REASONS[problem.status] ?? 'Bad Request'}\r\n` +
        `Content-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}
