import type { RunningGateway } from '@wirefleet/gateway-service';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, type TestAuthApi } from '../support/auth-api.js';
import { type RealtimeStack, startRealtimeStack } from '../support/realtime-stack.js';
import { FUZZ_TIMEOUT_MS, fuzz } from '../support/fuzz.js';
import { garbageText, hostileString, percentEncode } from '../support/hostile-input.js';
import { inPieces, rawExchange } from '../support/raw-http.js';
import { connect } from '../support/ws-client.js';

/**
 * Oversized and malformed HTTP requests, written straight to the socket. The auth-api (Node's
 * parser) answers 431 for a request line plus headers over 16 KiB and 400 for a malformed one;
 * the gateway (uWebSockets.js) closes such a connection without an answer. Neither ever answers
 * 5xx or accepts an upgrade it should not, and both keep serving. docs/testing.md has the table.
 */

/** Raw request heads per service, sent 25 at a time. */
const RAW_HEADS = 500;
const BATCH = 25;

const head = (target: string, headers: string) =>
  `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${headers}\r\n`;
const wsHeaders = (extra: string) =>
  `Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n${extra}`;

/** A request head as an attacker writes one: odd methods, targets and versions, hostile headers, smuggling pairs. */
const rawHead = fc
  .record({
    method: fc.constantFrom(
      'GET',
      'POST',
      'PUT',
      'DELETE',
      'PATCH',
      'OPTIONS',
      'HEAD',
      'CONNECT',
      'TRACE',
      'BREW',
      'get',
      '',
      'G\u0000T',
    ),
    target: fc.oneof(
      fc.constantFrom(
        '/',
        '/healthz',
        '/readyz',
        '/ws',
        '/v1/users',
        '/v1/auth/login',
        '*',
        'http://127.0.0.1/healthz',
        '//',
        '/%ZZ',
        '/../..',
        '',
        '/?%00',
      ),
      hostileString.map((text) => `/${percentEncode(text)}`),
      hostileString,
    ),
    version: fc.constantFrom('HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/0.9', 'HTTP/1.1 x', 'http/1.1', ''),
    headers: fc.array(
      fc.tuple(
        fc.oneof(
          fc.constantFrom(
            'Host',
            'Content-Length',
            'Transfer-Encoding',
            'Connection',
            'Upgrade',
            'Sec-WebSocket-Key',
            'Sec-WebSocket-Version',
            'Sec-WebSocket-Protocol',
            'Origin',
            'Authorization',
            'Content-Type',
            'Content-Encoding',
            'Expect',
            'X-Forwarded-For',
          ),
          hostileString,
        ),
        fc.oneof(
          fc.constantFrom(
            '-1',
            '0',
            '5',
            '99999999999999999999',
            'chunked',
            'chunked, chunked',
            'gzip, chunked',
            'close',
            'websocket',
            'Upgrade',
            '100-continue',
            'bearer, x',
            'application/json',
            '',
            ' ',
            'a\rb',
            'a\nb',
          ),
          hostileString,
        ),
      ),
      { maxLength: 8 },
    ),
    body: fc.oneof(
      fc.constant(''),
      garbageText,
      fc.constantFrom('5\r\nhello\r\n0\r\n\r\n', 'zz\r\n', '0\r\n\r\nGET /healthz HTTP/1.1\r\n\r\n'),
    ),
  })
  .map(
    ({ method, target, version, headers, body }) =>
      `${method} ${target} ${version}\r\n${headers.map(([name, value]) => `${name}: ${value}\r\n`).join('')}\r\n${body}`,
  );

describe('oversized and malformed requests', () => {
  let stack: RealtimeStack;
  let auth: TestAuthApi;
  let gateway: RunningGateway;
  let httpGateway: string;
  let token: string;
  beforeAll(async () => {
    stack = await startRealtimeStack({ instances: 1 });
    auth = stack.auth;
    gateway = stack.gateways[0]!;
    httpGateway = gateway.url.replace(/^ws/, 'http');
    token = stack.tokens.sign({
      sub: 'user:1',
      role: 'admin',
    });
  });
  afterAll(async () => {
    await stack?.close();
  });

  const stillServing = async () => {
    expect((await call(auth.url, 'GET', '/healthz')).status).toBe(200);
    const socket = await connect(gateway.url, token);
    await socket.next((frame) => frame.type === 'welcome');
    socket.close();
  };

  it('auth-api: heads over 16 KiB get 431, malformed ones 400, bodies over 64 KiB 413; never 5xx', async () => {
    const cases: Array<[string, string | string[], number]> = [
      ['a 20 KiB header', head('/healthz', `X-Big: ${'a'.repeat(20 * 1024)}\r\n`), 431],
      ['a 1 MiB header', head('/healthz', `X-Big: ${'a'.repeat(1024 * 1024)}\r\n`), 431],
      ['2,500 small headers', head('/healthz', 'X-Many: 1\r\n'.repeat(2_500)), 431],
      ['a 20 KiB URL', head(`/healthz?${'a'.repeat(20 * 1024)}`, ''), 431],
      ['a 1 MiB URL', head(`/${'a'.repeat(1024 * 1024)}`, ''), 431],
      [
        'a 20 KiB header, dribbled in 1 KiB pieces',
        inPieces(head('/healthz', `X-Big: ${'a'.repeat(20 * 1024)}\r\n`), 1024),
        431,
      ],
      ['a malformed request line', 'GET\r\n\r\n', 400],
      ['a header without a colon', head('/healthz', 'Broken header\r\n'), 400],
      ['a NUL in a header value', head('/healthz', 'X-Nul: a\u0000b\r\n'), 400],
    ];
    for (const [name, request, status] of cases) {
      const exchange = await rawExchange(auth.url, Array.isArray(request) ? request : [request], {
        waitMs: 5_000,
      });
      expect({ name, status: exchange.status, closed: exchange.closedByServer }).toEqual({
        name,
        status,
        closed: true,
      });
      // Refused by Node's parser, still answered like every other refusal: problem+json.
      expect(exchange.response, name).toContain('Content-Type: application/problem+json');
      expect(exchange.response, name).toContain(`"code":"${status === 431 ? 'headers_too_large' : 'invalid_request'}"`);
    }
    const body = JSON.stringify({ username: 'a', password: 'x'.repeat(70 * 1024) });
    const tooLarge = await rawExchange(
      auth.url,
      [
        `POST /v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      ],
      { waitMs: 5_000 },
    );
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.response).toContain('"code":"payload_too_large"');
    await stillServing();
  }, 60_000);

  it('gateway: oversized heads and URLs are closed without an answer; never 101 or 5xx', async () => {
    const cases: Array<[string, string | string[]]> = [
      ['a 1 MiB header on /ws', head('/ws', wsHeaders(`X-Big: ${'a'.repeat(1024 * 1024)}\r\n`))],
      [
        'a 1 MiB bearer token on /ws',
        head('/ws', wsHeaders(`Sec-WebSocket-Protocol: bearer, ${'a'.repeat(1024 * 1024)}\r\n`)),
      ],
      [
        'a 64 KiB header on /ws, dribbled in 1 KiB pieces',
        inPieces(head('/ws', wsHeaders(`X-Big: ${'a'.repeat(64 * 1024)}\r\n`)), 1024),
      ],
      ['a 1 MiB URL', head(`/${'a'.repeat(1024 * 1024)}`, '')],
      ['a 1 MiB URL on /ws', head(`/ws?${'a'.repeat(1024 * 1024)}`, wsHeaders(''))],
      ['5,000 small headers', head('/healthz', 'X-Many: 1\r\n'.repeat(5_000))],
    ];
    for (const [name, request] of cases) {
      const exchange = await rawExchange(httpGateway, Array.isArray(request) ? request : [request], {
        waitMs: 20_000,
      });
      // uWS closes the socket unanswered (a newer uWS answers 431): either way, refused and closed.
      expect({
        name,
        closed: exchange.closedByServer,
        refused: exchange.status === undefined || (exchange.status >= 400 && exchange.status < 500),
      }).toEqual({
        name,
        closed: true,
        refused: true,
      });
    }
    await stillServing();
  }, 120_000);

  for (const service of ['auth-api', 'gateway'] as const) {
    it(
      `${service}: ${RAW_HEADS} malformed request heads, never a 5xx or an upgrade`,
      async () => {
        const url = service === 'auth-api' ? auth.url : httpGateway;
        const runs = await fuzz(
          `${service} raw heads`,
          fc.asyncProperty(fc.array(rawHead, { minLength: BATCH, maxLength: BATCH }), async (heads) => {
            // A head the server waits on (an announced body that never comes) is given up on after 300 ms.
            const exchanges = await Promise.all(
              heads.map((text) => rawExchange(url, [Buffer.from(text)], { waitMs: 300, untilHead: true })),
            );
            for (const [index, exchange] of exchanges.entries()) {
              const shown = `${JSON.stringify(heads[index]).slice(0, 200)} → ${exchange.response.slice(0, 120)}`;
              if (exchange.status !== undefined) expect(exchange.status, shown).toBeLessThan(500);
              expect(exchange.status, shown).not.toBe(101);
            }
          }),
          RAW_HEADS / BATCH,
        );
        expect(runs * BATCH).toBe(RAW_HEADS);
        await stillServing();
      },
      FUZZ_TIMEOUT_MS,
    );
  }
});
