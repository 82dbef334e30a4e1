import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { createLogger } from '@wirefleet/shared/logging';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { errorHandler, notFoundHandler } from './error-handler.js';
import { fastRoutes, parseStrictJson } from './fast-routes.js';
import { routeChain, routeDefiner } from './routes/index.js';

const echo = routeDefiner<{ served: string[] }>()({
  method: 'post',
  path: '/v1/echo',
  operationId: 'echo',
  summary: 'Echo',
  tags: ['ops'],
  auth: 'none',
  request: { body: z.strictObject({ word: z.string() }) },
  responses: { 200: { description: 'The word.', schema: z.object({ word: z.string() }) } },
  errors: [],
  fast: true,
  handler({ body, res, deps }) {
    deps.served.push(`${res.req.route ? 'route' : 'no route'}`);
    res.json({ word: body.word });
  },
});

describe('fastRoutes: which requests it serves and which it leaves to Express', () => {
  const served: string[] = [];
  let deferred = 0;
  let server: http.Server;
  let url: string;
  beforeAll(async () => {
    const logger = createLogger({
      service: 'test',
      level: 'info',
      destination: new Writable({ write: (_c, _e, d) => d() }),
    });
    const app = express();
    app.use((_req, res) => {
      deferred += 1;
      res.status(299).end();
    });
    const listener = fastRoutes(app, [{ route: echo, handlers: routeChain(echo, { served }) }], {
      front: [],
      afterBody: [],
      notFound: notFoundHandler,
      errors: errorHandler(logger),
      bodyLimitBytes: 64 * 1024,
    });
    server = http.createServer(listener).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => void server.close());

  const send = (path: string, init: RequestInit) => fetch(`${url}${path}`, { method: 'POST', ...init });

  it('serves a plain JSON POST to its exact path, through the route chain', async () => {
    const reply = await send('/v1/echo', {
      headers: { 'content-type': 'application/json' },
      body: '{"word":"hi"}',
    });
    expect(reply.status).toBe(200);
    expect(await reply.json()).toEqual({ word: 'hi' });
    expect(served).toEqual(['route']);
    expect(deferred).toBe(0);
  });

  it('answers a malformed body itself, as the error handler maps body-parser failures', async () => {
    const reply = await send('/v1/echo', {
      headers: { 'content-type': 'application/json' },
      body: '{"word"',
    });
    expect(reply.status).toBe(400);
    expect(await reply.json()).toMatchObject({
      code: 'invalid_request',
      errors: [{ path: '(body)', message: 'malformed JSON' }],
    });
  });

  it.each([
    ['another path', '/v1/echo/x', { 'content-type': 'application/json' }, '{}'],
    ['a query string', '/v1/echo?x=1', { 'content-type': 'application/json' }, '{}'],
    ['another media type', '/v1/echo', { 'content-type': 'text/plain' }, '{}'],
    ['another charset', '/v1/echo', { 'content-type': 'application/json; charset=utf-16' }, '{}'],
    [
      'a Content-Encoding',
      '/v1/echo',
      { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      '{}',
    ],
    ['an empty body', '/v1/echo', { 'content-type': 'application/json' }, ''],
  ] as const)('leaves %s to Express', async (_case, path, headers, body) => {
    const before = deferred;
    expect((await send(path, { headers, body })).status).toBe(299);
    expect(deferred).toBe(before + 1);
  });
});

describe('parseStrictJson: what express.json({strict: true}) accepts', () => {
  it('accepts objects and arrays, with leading whitespace or a byte-order mark', () => {
    expect(parseStrictJson(' \n{"a":1}')).toEqual({ a: 1 });
    expect(parseStrictJson('\ufeff[1]')).toEqual([1]);
  });

  it('refuses anything else as body-parser does (entity.parse.failed)', () => {
    for (const text of ['"x"', '1', 'null', '{', '']) {
      expect(() => parseStrictJson(text)).toThrow(
        expect.objectContaining({ type: 'entity.parse.failed', status: 400 }),
      );
    }
  });
});
