import type { RunningGateway } from '@wirefleet/gateway-service';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, login, type TestAuthApi } from '../support/auth-api.js';
import type { TokenFactory } from '../support/forged-tokens.js';
import { type RealtimeStack, startRealtimeStack } from '../support/realtime-stack.js';
import { inPieces, rawExchange } from '../support/raw-http.js';
import { connect } from '../support/ws-client.js';

/**
 * Slow clients (slowloris): sockets that send their request head a byte at a time and never
 * finish it. Both services keep serving normal clients meanwhile; the gateway closes the slow
 * sockets itself, and the auth-api never buffers more than 16 KiB of head from one of them.
 */

const SLOW_SOCKETS = 50;
/** One byte every 250 ms, for at most 30 s: the gateway cuts them long before. */
const DRIBBLE_GAP_MS = 250;
const DRIBBLE_BYTES = 30_000 / DRIBBLE_GAP_MS;
const slowHead = (path: string, extra: string) =>
  `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${extra}X-Slow: ${'s'.repeat(200)}\r\n\r\n`;

// The two services are independent: their slow clients dribble at the same time.
describe.concurrent('slow clients (slowloris) do not starve anyone', () => {
  let stack: RealtimeStack;
  let auth: TestAuthApi;
  let gateway: RunningGateway;
  let tokens: TokenFactory;
  beforeAll(async () => {
    stack = await startRealtimeStack({ instances: 1 });
    auth = stack.auth;
    gateway = stack.gateways[0]!;
    tokens = stack.tokens;
  });
  afterAll(async () => {
    await stack?.close();
  });

  it(`gateway: ${SLOW_SOCKETS} half-sent /ws upgrades are closed by the server, and clients connect meanwhile`, async () => {
    const upgrade =
      'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n' +
      `Sec-WebSocket-Protocol: bearer, ${tokens.sign({ sub: 'user:1', role: 'admin' })}\r\n`;
    const head = slowHead('/ws', upgrade);
    const slow = Array.from({ length: SLOW_SOCKETS }, () =>
      rawExchange(gateway.url.replace(/^ws/, 'http'), inPieces(head, 1).slice(0, DRIBBLE_BYTES), {
        gapMs: DRIBBLE_GAP_MS,
        waitMs: 1_000,
      }),
    );
    // Meanwhile, normal clients come and go.
    let served = 0;
    for (let i = 0; i < 5; i += 1) {
      const socket = await connect(gateway.url, tokens.sign({ sub: `user:${100 + i}`, role: 'viewer' }));
      socket.send({ type: 'ping', id: `p${i}` });
      await socket.next((frame) => frame.type === 'pong');
      socket.close();
      served += 1;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    expect(served).toBe(5);
    const exchanges = await Promise.all(slow);
    // Closed by the gateway before the head was complete (uWS's HTTP idle timeout, ~10 s, which
    // partial heads do not reset), never answered with an upgrade.
    for (const exchange of exchanges) expect(exchange).toMatchObject({ closedByServer: true, response: '' });
  }, 120_000);

  it(`auth-api: ${SLOW_SOCKETS} dribbling requests do not stop logins; a head that keeps growing is cut at 16 KiB with 431`, async () => {
    const head = slowHead('/healthz', '');
    const slow = Array.from({ length: SLOW_SOCKETS }, () =>
      // Each gives up after 8 s; Node itself would close it after headersTimeout (60 s, docs/testing.md).
      rawExchange(auth.url, inPieces(head, 1).slice(0, 8_000 / DRIBBLE_GAP_MS), {
        gapMs: DRIBBLE_GAP_MS,
        waitMs: 0,
      }),
    );
    for (let i = 0; i < 5; i += 1) {
      expect((await call(auth.url, 'GET', '/healthz')).status).toBe(200);
      expect((await login(auth.url)).token_type).toBe('Bearer');
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    for (const exchange of await Promise.all(slow)) expect(exchange.response).toBe('');

    // A slow client cannot make the server hold an unbounded head: past 16 KiB it gets 431 and is closed.
    const endless = inPieces(
      `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n${`${'X-Slow: '.padEnd(1_022, 's')}\r\n`.repeat(64)}`,
      512,
    );
    const cut = await rawExchange(auth.url, endless, { gapMs: 10, waitMs: 2_000 });
    expect(cut).toMatchObject({ status: 431, closedByServer: true });
    expect(cut.chunksSent).toBeLessThan(endless.length);
  }, 120_000);
});
