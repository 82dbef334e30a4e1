import { createLogger } from '@wirefleet/shared/logging';
import type { Request, Response } from 'express';
import { describe, expect, it } from 'vitest';
import { errorHandler } from './error-handler.js';

const logger = createLogger({ service: 'auth-api', level: 'silent' });

function answer(error: unknown): { status: number; body: Record<string, unknown> } {
  const sent: { status: number; body: Record<string, unknown> } = { status: 0, body: {} };
  const res = {
    headersSent: false,
    setHeader: () => res,
    status(code: number) {
      sent.status = code;
      return res;
    },
    type: () => res,
    send(text: string) {
      sent.body = JSON.parse(text) as Record<string, unknown>;
      return res;
    },
  };
  errorHandler(logger)(error, { method: 'POST', originalUrl: '/v1/x' } as Request, res as unknown as Response, () => undefined);
  return sent;
}

describe('errorHandler', () => {
  it("keeps a library's client faults 4xx (a wrong Content-Length, an aborted body), never 500", () => {
    const sizeMismatch = Object.assign(new Error('request size did not match content length'), { status: 400, type: 'request.size.invalid' });
    expect(answer(sizeMismatch)).toMatchObject({ status: 400, body: { code: 'invalid_request', detail: 'the request could not be read' } });
    expect(answer(Object.assign(new Error('too big'), { statusCode: 413 }))).toMatchObject({ status: 413, body: { code: 'payload_too_large' } });
    expect(answer(Object.assign(new Error('odd type'), { status: 415 }))).toMatchObject({ status: 415, body: { code: 'unsupported_media_type' } });
  });

  it('treats anything else as a 500 that says nothing about its cause', () => {
    const failure = answer(Object.assign(new Error('secret internals'), { status: 502 }));
    expect(failure).toMatchObject({ status: 500, body: { code: 'internal_error' } });
    expect(JSON.stringify(failure.body)).not.toContain('secret');
  });
});
