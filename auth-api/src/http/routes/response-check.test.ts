import { idParams } from '@wirefleet/shared/schemas';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { responseChecksEnabled, responseViolation } from './response-check.js';
import type { RouteDefinition } from './route-definition.js';

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
