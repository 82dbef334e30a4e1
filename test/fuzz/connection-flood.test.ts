import http from 'node:http';
import type { Socket } from 'node:net';
import type { RunningGateway } from '@wirefleet/gateway-service';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestAuthApi } from '../support/auth-api.js';
import type { TokenFactory } from '../support/forged-tokens.js';
import { type RealtimeStack, startRealtimeStack } from '../support/realtime-stack.js';
import { connect, type TestSocket } from '../support/ws-client.js';

/**
 * 1,000 connections at once from one address (127.0.0.1). The gateway caps connections per
 * user, not per address (behind a proxy every client shares one); the auth-api limits logins per
 * address. Every refusal is the documented one, and both keep serving.
 */

const FLOOD = 1_000;
/** The default GATEWAY_MAX_CONNECTIONS_PER_USER. */
const PER_USER = 20;
/** Generous: 1,000 open WebSockets cost a few KiB each on the server and more in the `ws` clients. */
const RSS_GROWTH_LIMIT = 200 * 1024 * 1024;

interface Outcome {
  status: number;
  body: string;
  retryAfter: string | undefined;
  socket?: Socket;
}

/** One request on a connection of its own (no agent), keeping a 101's socket open. */
function request(url: string, options: http.RequestOptions, body?: string): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { ...options, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => {
        const retryAfter = res.headers['retry-after'];
        resolve({
          status: res.statusCode ?? 0,
          body: text,
          retryAfter: typeof retryAfter === 'string' ? retryAfter : undefined,
        });
      });
    });
    req.on('upgrade', (res, socket) =>
      resolve({ status: res.statusCode ?? 0, body: '', retryAfter: undefined, socket }),
    );
    req.on('error', reject);
    req.end(body);
  });
}

function upgrade(url: string, token: string): Promise<Outcome> {
  return request(url.replace(/^ws/, 'http'), {
    headers: {
      connection: 'Upgrade',
      upgrade: 'websocket',
      'sec-websocket-version': '13',
      'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
      'sec-websocket-protocol': `bearer, ${token}`,
    },
  });
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !condition(); waited += 50) {
    if (waited > 10_000) throw new Error(`still waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe(`${FLOOD} connections from one address`, () => {
  let stack: RealtimeStack;
  let auth: TestAuthApi;
  let running: RunningGateway;
  let tokens: TokenFactory;
  beforeAll(async () => {
    stack = await startRealtimeStack({ instances: 1 });
    auth = stack.auth;
    running = stack.gateways[0]!;
    tokens = stack.tokens;
  });
  afterAll(async () => {
    await stack?.close();
  });

  it(`gateway, one user: ${PER_USER} upgrades succeed, the other ${FLOOD - PER_USER} get 429 rate_limited`, async () => {
    const token = tokens.sign({ sub: 'user:1', role: 'admin' });
    const outcomes = await Promise.all(Array.from({ length: FLOOD }, () => upgrade(running.url, token)));
    const opened = outcomes.filter((outcome) => outcome.status === 101);
    const refused = outcomes.filter((outcome) => outcome.status !== 101);
    expect(opened).toHaveLength(PER_USER);
    for (const outcome of refused) {
      expect(outcome.status).toBe(429);
      expect(JSON.parse(outcome.body)).toMatchObject({ status: 429, code: 'rate_limited' });
    }
    for (const outcome of opened) outcome.socket!.destroy();
    await until(() => running.gateway.registry.size === 0, 'the connections to close');
    // The cap counts open connections: once they are gone the user connects again.
    const again = await connect(running.url, token);
    await again.next((frame) => frame.type === 'welcome');
    again.close();
  }, 120_000);

  it(`gateway, ${FLOOD} users: all are served (no cap per address), and all of it is released`, async () => {
    const rssBefore = process.memoryUsage().rss;
    const sockets: TestSocket[] = await Promise.all(
      Array.from({ length: FLOOD }, async (_, i) => {
        const socket = await connect(running.url, tokens.sign({ sub: `user:${1_000 + i}`, role: 'viewer' }));
        await socket.next((frame) => frame.type === 'welcome', 20_000);
        return socket;
      }),
    );
    expect(running.gateway.registry.size).toBe(FLOOD);
    // Still answering while they are all open.
    const probe = sockets[0]!;
    probe.send({ type: 'subscribe', room: 'fleet', id: 'probe' });
    expect(await probe.next((frame) => frame.type === 'subscribed')).toMatchObject({
      room: 'fleet',
      id: 'probe',
    });
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(RSS_GROWTH_LIMIT);
    for (const socket of sockets) socket.close();
    await until(
      () => running.gateway.registry.size === 0 && running.gateway.hub.roomCount === 0,
      'connections and rooms to be released',
    );
  }, 120_000);

  it(`auth-api: ${FLOOD} logins at once from one address get 401, 429 or 503, each as documented`, async () => {
    const outcomes = await Promise.all(
      Array.from({ length: FLOOD }, (_, i) =>
        request(
          `${auth.url}/v1/auth/login`,
          { method: 'POST', headers: { 'content-type': 'application/json' } },
          JSON.stringify({ username: `flood-${i % 7}`, password: 'not the password' }),
        ),
      ),
    );
    const byStatus = new Map<number, number>();
    for (const outcome of outcomes) {
      byStatus.set(outcome.status, (byStatus.get(outcome.status) ?? 0) + 1);
      const problem = JSON.parse(outcome.body) as { status: number; code: string };
      const expected = { 401: 'invalid_credentials', 429: 'rate_limited', 503: 'server_busy' }[
        outcome.status
      ];
      expect({ status: outcome.status, code: problem.code }).toEqual({
        status: outcome.status,
        code: expected,
      });
      if (outcome.status !== 401) expect(outcome.retryAfter).toMatch(/^\d+$/);
    }
    // LOGIN_LIMIT_PER_IP_PER_MINUTE (60) lets at most 60 of them reach the password check.
    expect((byStatus.get(401) ?? 0) + (byStatus.get(503) ?? 0)).toBeLessThanOrEqual(60);
    expect(byStatus.get(429)).toBeGreaterThanOrEqual(FLOOD - 60);
    // And the service is fine: health and readiness answer as usual.
    expect((await request(`${auth.url}/healthz`, {})).status).toBe(200);
    expect((await request(`${auth.url}/readyz`, {})).status).toBe(200);
  }, 120_000);
});
