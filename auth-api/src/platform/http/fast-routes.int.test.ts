import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login, startTestAuthApi, type TestAuthApi } from '../../../../test/support/auth-api.js';
import { buildApp } from '../../app.js';

/** Refreshes allowed per IP per minute here: enough for the cases before the 429 one. */
const REFRESH_LIMIT = 30;

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

async function post(
  base: string,
  body: string | undefined,
  headers: Record<string, string>,
): Promise<Answer> {
  const response = await fetch(`${base}/v1/auth/refresh`, {
    method: 'POST',
    headers,
    ...(body === undefined ? {} : { body }),
  });
  const all = Object.fromEntries(response.headers);
  delete all.date;
  return { status: response.status, headers: all, body: await response.text() };
}

const JSON_HEADERS = { 'content-type': 'application/json' };

/**
 * The fast route (the service as it runs: `buildRequestListener`) against the Express app alone
 * (`buildApp`) on the same context: every answer must be the same, headers and body.
 */
describe('POST /v1/auth/refresh served ahead of Express answers as Express does', () => {
  let t: TestAuthApi;
  let express: http.Server;
  let expressUrl: string;
  beforeAll(async () => {
    t = await startTestAuthApi({ env: { REFRESH_LIMIT_PER_IP_PER_MINUTE: String(REFRESH_LIMIT) } });
    express = http.createServer(buildApp(t.api.context)).listen(0, '127.0.0.1');
    await new Promise((resolve) => express.once('listening', resolve));
    expressUrl = `http://127.0.0.1:${(express.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => express.close(resolve));
    await t.close();
  });

  /** The same request to both; their answers, in the order fast, Express. */
  const both = (body: string | undefined, headers: Record<string, string> = JSON_HEADERS) =>
    Promise.all([post(t.url, body, headers), post(expressUrl, body, headers)]);

  it('200: the same headers and the same shape (the tokens differ, so do their ETag)', async () => {
    const [first, second] = [await login(t.url), await login(t.url)];
    const fast = await post(t.url, JSON.stringify({ refresh_token: first.refresh_token }), JSON_HEADERS);
    const slow = await post(
      expressUrl,
      JSON.stringify({ refresh_token: second.refresh_token }),
      JSON_HEADERS,
    );
    expect([fast.status, slow.status]).toEqual([200, 200]);
    const withoutBodyDigest = ({ etag: _etag, 'content-length': _length, ...rest }: Record<string, string>) =>
      rest;
    expect(withoutBodyDigest(fast.headers)).toEqual(withoutBodyDigest(slow.headers));
    expect(fast.headers['cache-control']).toBe('no-store');
    expect(fast.headers['content-security-policy']).toBeDefined();
    const shape = (text: string) => {
      const { access_token, refresh_token, ...rest } = JSON.parse(text) as Record<string, unknown>;
      return { ...rest, access_token: typeof access_token, refresh_token: typeof refresh_token };
    };
    expect(shape(fast.body)).toEqual(shape(slow.body));
  });

  it.each([
    ['400, a field missing', '{}', JSON_HEADERS],
    ['400, an unknown field', '{"refresh_token":"x","more":1}', JSON_HEADERS],
    ['400, malformed JSON', '{"refresh_token":', JSON_HEADERS],
    ['400, JSON that is not an object', '"wfr_x"', JSON_HEADERS],
    ['400, a NUL in the token', '{"refresh_token":"a\\u0000b"}', JSON_HEADERS],
    ['401, an unknown token', '{"refresh_token":"wfr_unknown"}', JSON_HEADERS],
    [
      '401, with charset=utf-8',
      '{"refresh_token":"wfr_unknown"}',
      { 'content-type': 'application/json; charset=utf-8' },
    ],
    ['415, a form body', 'refresh_token=x', { 'content-type': 'application/x-www-form-urlencoded' }],
    ['415, a latin1 body', '{"refresh_token":"x"}', { 'content-type': 'application/json; charset=latin1' }],
    ['413, a body over 64 KiB', JSON.stringify({ refresh_token: 'x'.repeat(70_000) }), JSON_HEADERS],
  ] as const)('%s: the same status, headers and problem body', async (_case, body, headers) => {
    const [fast, slow] = await both(body, headers);
    expect(fast.status).toBeGreaterThanOrEqual(400);
    expect(fast).toEqual(slow);
    expect(fast.headers['content-type']).toBe('application/problem+json; charset=utf-8');
  });

  it('429 once the per-IP refresh limit is spent: the same answer, Retry-After included', async () => {
    const body = '{"refresh_token":"wfr_unknown"}';
    for (let spent = 0; spent < REFRESH_LIMIT; spent += 1) await post(t.url, body, JSON_HEADERS);
    const [fast, slow] = await both(body);
    expect(fast.status).toBe(429);
    expect(JSON.parse(fast.body)).toMatchObject({ code: 'rate_limited' });
    expect(fast.headers['retry-after']).toMatch(/^\d+$/);
    // Seconds left in the window may tick between the two calls.
    expect({ ...fast.headers, 'retry-after': '' }).toEqual({ ...slow.headers, 'retry-after': '' });
  });

  it('writes the request log line and the route metric as the router would', async () => {
    const before = t.logLines.length;
    await post(t.url, '{"refresh_token":"wfr_logged"}', JSON_HEADERS);
    const lines = t.logLines.slice(before).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toContainEqual(
      expect.objectContaining({ subsystem: 'http', msg: 'request', method: 'POST', url: '/v1/auth/refresh' }),
    );
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toMatch(
      /wirefleet_http_requests_total\{method="POST",route="\/v1\/auth\/refresh",status="4\d\d"\}/,
    );
  });
});
