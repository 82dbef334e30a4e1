import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadGatewayConfig } from '@wirefleet/gateway-service';
import { generateWireguardKeys } from '@wirefleet/node-agent';
import { RealtimeClient } from '@wirefleet/shared/client';
import type { EventFrame } from '@wirefleet/shared/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManagedProcess } from '../faults/support/managed-process.js';
import { ADMIN_PASSWORD, ADMIN_USERNAME } from '../support/auth-api.js';
import { httpsCall, openSocket, proxiedWebSocket } from '../support/proxy-client.js';
import { findNginx, NGINX_TEMPLATE } from '../support/proxy-nginx.js';
import {
  CLIENT_IP,
  gatewayConnections,
  type ProxiedService,
  type ProxyStack,
  startProxyStack,
} from '../support/proxy-stack.js';
import { IN_CI } from '../support/services.js';

const nginx = findNginx();
if (!nginx && IN_CI)
  throw new Error('nginx is not installed: the reverse-proxy test runs a real one (apt-get install nginx)');

const SIMULATED_AGENTS = fileURLToPath(new URL('../../infra/docker/simulated-agents.ts', import.meta.url));

const status = (n: number) => ({ applied_revision: n, peers: [], state_digest: `digest-${n}`, drift: false });

/** Which of the gateways holds more connections now than `before` says. */
async function gainedConnection(gateways: ProxiedService[], before: number[]): Promise<number> {
  const now = await Promise.all(gateways.map(gatewayConnections));
  const gained = now.flatMap((count, i) => (count > before[i]! ? [i] : []));
  if (gained.length !== 1) throw new Error(`expected one gateway to gain a connection: ${before} → ${now}`);
  return gained[0]!;
}

describe.skipIf(!nginx)(
  'behind nginx: TLS ends at the proxy, two auth-apis and two gateways behind it',
  () => {
    let stack: ProxyStack;
    let adminToken: string;
    let node: { id: number; token: string };

    beforeAll(async () => {
      stack = await startProxyStack(nginx!);
      const login = await httpsCall<{ access_token: string }>(`${stack.publicUrl}/v1/auth/login`, stack.ca, {
        method: 'POST',
        body: { username: ADMIN_USERNAME, password: ADMIN_PASSWORD },
      });
      expect(login.status).toBe(200);
      adminToken = login.body.access_token;
      // A node enrolled through the proxy: it publishes the events the viewers wait for.
      const key = await httpsCall<{ key: string }>(`${stack.publicUrl}/v1/enrollment-keys`, stack.ca, {
        method: 'POST',
        token: adminToken,
        body: {},
      });
      expect(key.status).toBe(201);
      const enrolled = await httpsCall<{ node_id: number; node_secret: string; gateway_url: string }>(
        `${stack.publicUrl}/v1/nodes/enroll`,
        stack.ca,
        {
          method: 'POST',
          body: {
            enrollment_key: key.body.key,
            name: 'proxied',
            wg_public_key: generateWireguardKeys().publicKey,
          },
        },
      );
      expect(enrolled.status).toBe(201);
      // Agents are told the proxy's wss:// URL (GATEWAY_PUBLIC_URL), not a gateway's own.
      expect(enrolled.body.gateway_url).toBe(stack.wsUrl);
      const token = await httpsCall<{ access_token: string }>(`${stack.publicUrl}/v1/nodes/token`, stack.ca, {
        method: 'POST',
        body: { node_id: enrolled.body.node_id, node_secret: enrolled.body.node_secret },
      });
      expect(token.status).toBe(200);
      node = { id: enrolled.body.node_id, token: token.body.access_token };
    }, 180_000);
    afterAll(async () => {
      await stack?.close();
    });

    it('the auth-apis log the client address from X-Forwarded-For, believed from nginx only', async () => {
      const logged = (apiIndex: number, marker: string) =>
        stack.apis[apiIndex]!.lines.map(
          (line) => JSON.parse(line) as { msg?: string; url?: string; ip?: string },
        ).filter((line) => line.msg === 'request' && line.url === marker);
      // A forged X-Forwarded-For sent to nginx: nginx appends the real address, which is the one
      // Express takes (the rightmost address not in TRUST_PROXY).
      for (let i = 0; i < 4; i += 1) {
        const reply = await httpsCall(`${stack.publicUrl}/v1/auth/me`, stack.ca, {
          token: adminToken,
          headers: { 'x-forwarded-for': '203.0.113.9' },
        });
        expect(reply.status).toBe(200);
      }
      const throughProxy = () => [0, 1].flatMap((i) => logged(i, '/v1/auth/me'));
      // nginx balances over both auth-apis; each logged the client, never nginx or the forgery.
      // (A log line reaches the test through a pipe, a moment after the response.)
      await expect.poll(() => throughProxy().length).toBe(4);
      expect(new Set(throughProxy().map((line) => line.ip))).toEqual(new Set([CLIENT_IP]));
      expect([0, 1].every((i) => logged(i, '/v1/auth/me').length > 0)).toBe(true);

      // Straight to an auth-api, the same header is the client's own claim and is ignored.
      const direct = await plainGet(`${stack.apis[0]!.url}/readyz`, {
        'x-forwarded-for': '203.0.113.9',
      });
      expect(direct).toBe(200);
      await expect.poll(() => logged(0, '/readyz').map((line) => line.ip)).toContain(CLIENT_IP);
      const readyz = logged(0, '/readyz').map((line) => line.ip);
      expect(readyz).not.toContain('203.0.113.9');
    });

    it('WebSocket upgrades: bearer is selected both ways, a foreign Origin gets 403, no token 401', async () => {
      const socket = await openSocket(stack.wsUrl, adminToken, stack.ca, stack.publicUrl);
      // The gateway's answer came back through nginx: `bearer`, never the token.
      expect(socket.ws.protocol).toBe('bearer');
      expect(socket.frames[0]).toMatchObject({ type: 'welcome', sub: expect.stringMatching(/^user:/) });
      socket.ws.close();
      await expect(openSocket(stack.wsUrl, adminToken, stack.ca, 'https://evil.example')).rejects.toThrow(
        'HTTP 403',
      );
      await expect(openSocket(stack.wsUrl, undefined, stack.ca)).rejects.toThrow('HTTP 401');
      // nginx answers /metrics itself: the services' metrics stay on the private network.
      expect((await httpsCall(`${stack.publicUrl}/metrics`, stack.ca)).status).toBe(404);
    });

    it('an event a node publishes through one gateway reaches a viewer on the other', async () => {
      await expect
        .poll(async () => (await Promise.all(stack.gateways.map(gatewayConnections))).join())
        .toBe('0,0');
      const before = await Promise.all(stack.gateways.map(gatewayConnections));
      const viewer = await openSocket(stack.wsUrl, adminToken, stack.ca, stack.publicUrl);
      const viewerOn = await gainedConnection(stack.gateways, before);
      const middle = await Promise.all(stack.gateways.map(gatewayConnections));
      const publisher = await openSocket(stack.wsUrl, node.token, stack.ca);
      // least_conn: the second socket goes to the gateway holding fewer.
      expect(await gainedConnection(stack.gateways, middle)).toBe(1 - viewerOn);

      viewer.send({ type: 'subscribe', room: `node:${node.id}`, id: 's1' });
      await viewer.next((frame) => frame.type === 'subscribed' && frame.id === 's1');
      publisher.send({
        type: 'publish',
        room: `node:${node.id}`,
        event: 'status',
        data: status(1),
        id: 'p1',
      });
      await publisher.next((frame) => frame.type === 'published' && frame.id === 'p1');
      const event = await viewer.next((frame) => frame.type === 'event' && frame.event === 'status');
      expect(event).toMatchObject({ room: `node:${node.id}`, data: status(1) });
      viewer.ws.close();
      publisher.ws.close();
    });

    it('a gateway killed under the shared client: it reconnects through nginx to the other and recovers with since', async () => {
      await expect
        .poll(async () => (await Promise.all(stack.gateways.map(gatewayConnections))).join())
        .toBe('0,0');
      const received: EventFrame[] = [];
      let resyncs = 0;
      const opens: number[] = [];
      const client = new RealtimeClient({
        url: stack.wsUrl,
        token: async () => adminToken,
        WebSocketImpl: proxiedWebSocket(stack.ca, stack.publicUrl),
        // Long enough that the events below are published while it is away: they come from history.
        backoff: { initialMs: 1_500, maxMs: 3_000, jitter: 0.1 },
      });
      client.on('resync', () => {
        resyncs += 1;
      });
      client.on('open', () => opens.push(Date.now()));
      client.subscribe(`node:${node.id}`, (event) => received.push(event));
      client.start();
      await expect.poll(() => client.state).toBe('open');
      const clientOn = await gainedConnection(stack.gateways, [0, 0]);
      const publisher = await openSocket(stack.wsUrl, node.token, stack.ca);
      expect(
        await gainedConnection(
          stack.gateways,
          stack.gateways.map((_, i) => (i === clientOn ? 1 : 0)),
        ),
      ).toBe(1 - clientOn);
      const publish = async (n: number) => {
        publisher.send({
          type: 'publish',
          room: `node:${node.id}`,
          event: 'status',
          data: status(n),
          id: `k${n}`,
        });
        await publisher.next((frame) => frame.type === 'published' && frame.id === `k${n}`);
      };
      const revisions = () =>
        received.map((event) => (event.data as { applied_revision: number }).applied_revision);
      // Subscribed once an event arrives (the client subscribes on open; earlier ones are not its).
      await expect
        .poll(async () => {
          if (received.length === 0) await publish(10);
          return received.length;
        })
        .toBeGreaterThan(0);

      await stack.gateways[clientOn]!.process.kill();
      await publish(11);
      await publish(12);
      const publishedAt = Date.now();
      await expect.poll(() => revisions().slice(-2).join(), { timeout: 15_000 }).toBe('11,12');
      // Each event once, in order; and it reopened only after both were published, so they came
      // from the room's history (`since`), not live.
      expect(revisions().filter((revision) => revision !== 10)).toEqual([11, 12]);
      expect(opens.length).toBe(2);
      expect(opens[1]!).toBeGreaterThan(publishedAt);
      expect(resyncs).toBe(0);
      expect(await gatewayConnections(stack.gateways[1 - clientOn]!)).toBe(2);
      expect(client.state).toBe('open');
      // The proxy noticed the dead gateway and logged why it moved on.
      expect(stack.nginx.errors()).toMatch(/connect\(\) failed \(111: Connection refused\)/);
      await client.stop();
      publisher.ws.close();
    }, 60_000);

    it("compose's agents profile: simulated agents enrol and run through the proxy, trusting its CA", async () => {
      // The program and variables docker-compose.yml gives the `agents` service, pointed at this stack.
      const agents = new ManagedProcess(
        {
          name: 'simulated-agents',
          args: ['--conditions=source', '--import', 'tsx', SIMULATED_AGENTS],
          env: {
            PATH: process.env.PATH ?? '',
            DATABASE_URL: stack.databaseUrl,
            DATA_DIR: path.join(stack.dir, 'agents'),
            AUTH_PUBLIC_URL: stack.publicUrl,
            GATEWAY_PUBLIC_URL: stack.wsUrl,
            SIMULATED_AGENTS: '2',
            NODE_EXTRA_CA_CERTS: stack.caFile,
          },
          logFile: path.join(stack.dir, 'simulated-agents.log'),
        },
        () => undefined,
      );
      await agents.start();
      try {
        const simulated = async () => {
          const nodes = await httpsCall<{
            items: Array<{ name: string; online: boolean; applied_revision: number | null }>;
          }>(`${stack.publicUrl}/v1/nodes`, stack.ca, { token: adminToken });
          return nodes.body.items.filter(
            (item) => item.name.startsWith('sim-') && item.online && (item.applied_revision ?? 0) > 0,
          ).length;
        };
        await expect.poll(simulated, { timeout: 30_000, interval: 250 }).toBe(2);
      } finally {
        await agents.stop();
      }
    }, 90_000);

    it('the proxy never cuts a socket the gateway keeps alive: read timeout above any GATEWAY_IDLE_TIMEOUT_SECONDS', () => {
      const template = fs.readFileSync(NGINX_TEMPLATE, 'utf8');
      const wsBlock = /location = \/ws \{([\s\S]*?)\n {2}\}/.exec(template)?.[1] ?? '';
      const minutes = Number(/proxy_read_timeout (\d+)m;/.exec(wsBlock)?.[1]);
      expect(minutes).toBeGreaterThan(0);
      // The gateway refuses an idle timeout as long as the proxy's: it can never ping too late.
      expect(() => loadGatewayConfig({ GATEWAY_IDLE_TIMEOUT_SECONDS: String(minutes * 60) })).toThrow(
        /GATEWAY_IDLE_TIMEOUT_SECONDS/,
      );
    });
  },
);

/** A plain-HTTP GET from CLIENT_IP (straight to a service, bypassing nginx); resolves with the status. */
function plainGet(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { headers, localAddress: CLIENT_IP }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    request.once('error', reject);
    request.end();
  });
}
