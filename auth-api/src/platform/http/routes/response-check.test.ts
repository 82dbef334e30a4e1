import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { createLogger } from '@wirefleet/shared/logging';
import { idParams } from '@wirefleet/shared/schemas';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { errorHandler } from '../error-handler.js';
import {
  checkResponses,
  RESPONSE_VIOLATION_MESSAGE,
  responseChecksEnabled,
  responseViolation,
} from './response-check.js';
import { type RouteDefinition, routeDefiner } from './route-definition.js';
import { routerFor } from './route-router.js';

const route: RouteDefinition = {
  method: 'get',
  path: '/v1/things/{id}',
  operationId: 'getThing',
  summary: 'A thing',
  tags: ['ops'],
  auth: 'viewer',
  request: { params: idParams },
  responses: {
    200: { description: 'The thing.', schema: z.looseObject({ id: z.number().int(), name: z.string() }) },
    204: { description: 'Nothing.' },
  },
  errors: ['conflict'],
  handler() {},
};
const JSON_TYPE = 'application/json; charset=utf-8';
const problem = (status: number, code: string) =>
  JSON.stringify({ type: `https://wirefleet.dev/problems/${code}`, title: 'x', status, code });

describe('responseViolation: a response is what its route declares, or the test fails', () => {
  it('accepts a declared body, extra fields included (resources are open)', () => {
    expect(responseViolation(route, 200, JSON_TYPE, '{"id":1,"name":"a","later":true}')).toBeUndefined();
    expect(responseViolation(route, 204, '', '')).toBeUndefined();
  });

  it('names the field that drifted', () => {
    expect(responseViolation(route, 200, JSON_TYPE, '{"id":"1","name":"a"}')).toMatch(/^id: /);
    expect(responseViolation(route, 200, JSON_TYPE, '{"id":1}')).toMatch(/^name: /);
  });

  it('refuses an undeclared status, content type or body', () => {
    expect(responseViolation(route, 201, JSON_TYPE, '{}')).toBe('status 201 is not documented');
    expect(responseViolation(route, 200, 'text/html', '<p>')).toMatch(/documented as application\/json/);
    expect(responseViolation(route, 204, JSON_TYPE, '{}')).toBe('a body where none is documented');
  });

  it('accepts problems with a code documented for their status, and only those', () => {
    const type = 'application/problem+json';
    expect(responseViolation(route, 409, type, problem(409, 'conflict'))).toBeUndefined();
    // Implied by the route's shape: a token, a role, a path id.
    expect(responseViolation(route, 401, type, problem(401, 'invalid_token'))).toBeUndefined();
    expect(responseViolation(route, 404, type, problem(404, 'not_found'))).toBeUndefined();
    expect(responseViolation(route, 429, type, problem(429, 'rate_limited'))).toBe(
      'status 429 is not documented',
    );
    expect(responseViolation(route, 401, type, problem(401, 'totp_invalid'))).toMatch(/^code: /);
    expect(responseViolation(route, 400, type, problem(400, 'invalid_request'))).toBeUndefined();
    expect(responseViolation(route, 409, JSON_TYPE, problem(409, 'conflict'))).toMatch(
      /sent as application\/json/,
    );
  });

  it('is on under the test runner', () => {
    expect(responseChecksEnabled()).toBe(true);
    expect(responseChecksEnabled({ NODE_ENV: 'production' })).toBe(false);
  });
});

describe('checkResponses on a running app: a drifting answer fails the call that got it', () => {
  it('turns a body its schema refuses into a 500 naming route, status and field, and logs it', async () => {
    const lines: string[] = [];
    const logger = createLogger({
      service: 'test',
      level: 'info',
      destination: new Writable({ write: (chunk, _e, done) => done(void lines.push(String(chunk))) }),
    });
    const drifting = routeDefiner<{ name(): unknown }>()({
      ...route,
      auth: 'none',
      request: { params: idParams },
      handler: ({ params, res, deps }) => void res.json({ id: params.id, name: deps.name() }),
    });
    const app = express();
    app.use(checkResponses(logger));
    let name: unknown = 'a';
    app.use(routerFor([drifting], { name: () => name }));
    app.use(errorHandler(logger));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/things/7`;
    try {
      expect((await fetch(url)).status).toBe(200);
      name = 42;
      const drifted = await fetch(url);
      expect(drifted.status).toBe(500);
      expect(((await drifted.json()) as { detail: string }).detail).toBe(
        'GET /v1/things/{id} answered 200: name: Invalid input: expected string, received number',
      );
      expect(lines.some((line) => line.includes(RESPONSE_VIOLATION_MESSAGE))).toBe(true);
      // A refusal the route documents passes through untouched.
      expect((await fetch(url.replace('/7', '/07'))).status).toBe(400);
    } finally {
      server.close();
    }
  });
});
