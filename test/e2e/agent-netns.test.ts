import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RunningGateway } from '@wirefleet/gateway-service';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, type TestAuthApi } from '../support/auth-api.js';
import { createEnrollmentKey, enrollNode } from '../support/fleet.js';
import { createTestNetwork, netnsSkipReason, type TestNetwork } from '../support/netns.js';
import {
  startNetnsControlPlane,
  converged,
  enrollAgents,
  type NetnsAgent,
  pingOnce as ping,
  serveTcp,
  startAgent,
  stopAgents,
  tcpFetch,
  wgPeers as peersOf,
} from '../support/netns-agents.js';

const skip = netnsSkipReason();
type AgentProcess = NetnsAgent;

/**
 * The agent for real: auth-api and gateway on real Postgres and Redis, two agents in their own
 * network namespaces running wireguard-go and nftables, and a third namespace as an outside
 * client. Packets must cross the tunnel.
 */
describe.skipIf(skip !== undefined)(
  `node agents in network namespaces${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    let net: TestNetwork;
    let auth: TestAuthApi;
    let gateway: RunningGateway;
    let admin: string;
    const agents: AgentProcess[] = [];
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'wf-e2e-'));

    beforeAll(async () => {
      net = await createTestNetwork(3);
      ({ auth, gateway, admin } = await startNetnsControlPlane(net.gatewayAddress));
      const { key } = await createEnrollmentKey(auth.url, admin, { reusable: true, max_uses: 10 });
      const options = { apiUrl: auth.url, gatewayUrl: gateway.url, key, workDir: work, prefix: net.id };
      agents.push(...(await enrollAgents(net.hosts.slice(0, 2), options)));
      for (const agent of agents) startAgent(agent);
    });

    afterAll(async () => {
      stopAgents(agents);
      await gateway?.close().catch(() => undefined);
      await auth?.close().catch(() => undefined);
      await net?.teardown();
      fs.rmSync(work, { recursive: true, force: true });
    });

    it('both agents apply their config and report it; packets cross the tunnel', async () => {
      for (const agent of agents) {
        await expect
          .poll(() => converged(auth.url, admin, agent), { timeout: 30_000, interval: 500 })
          .toBe(true);
      }
      const [a, b] = agents as [AgentProcess, AgentProcess];
      await expect
        .poll(
          () =>
            ping(a, b.tunnelIp).then(
              () => true,
              () => false,
            ),
          { timeout: 15_000, interval: 500 },
        )
        .toBe(true);
      await ping(b, a.tunnelIp);
    });

    it('a port forward on A to B lets an outside client reach a listener inside B; deleting it removes the rule', async () => {
      const [a, b] = agents as [AgentProcess, AgentProcess];
      const client = net.hosts[2]!;
      serveTcp(b.host, 9090, 'pong-from-b');
      const created = await call(auth.url, 'POST', `/v1/nodes/${a.nodeId}/port-forwards`, {
        token: admin,
        body: {
          protocol: 'tcp',
          public_port: 8080,
          target_ip: b.tunnelIp,
          target_port: 9090,
          description: '"; flush ruleset; #',
        },
      });
      expect(created.status).toBe(201);
      const fetchThroughA = () => tcpFetch(client, a.host.address, 8080);
      await expect
        .poll(() => fetchThroughA().catch(() => ''), { timeout: 30_000, interval: 500 })
        .toBe('pong-from-b');
      const table = await a.host.exec(['nft', 'list', 'table', 'inet', 'wirefleet']);
      expect(table).toContain('dport 8080');
      expect(table).not.toContain('flush');
      expect(
        (await call(auth.url, 'DELETE', `/v1/port-forwards/${created.body.id}`, { token: admin })).status,
      ).toBe(204);
      await expect
        .poll(
          async () =>
            (await a.host.exec(['nft', 'list', 'table', 'inet', 'wirefleet'])).includes('dport 8080'),
          { timeout: 30_000, interval: 500 },
        )
        .toBe(false);
    });

    it('a peer removed by hand with `wg set` comes back on reconcile', async () => {
      const [a, b] = agents as [AgentProcess, AgentProcess];
      await a.host.exec(['wg', 'set', a.iface, 'peer', b.publicKey, 'remove']);
      expect(await peersOf(a)).not.toContain(b.publicKey);
      const command = await call(auth.url, 'POST', `/v1/nodes/${a.nodeId}/commands`, {
        token: admin,
        body: { type: 'reconcile' },
      });
      expect(command.status).toBe(202);
      await expect.poll(() => peersOf(a), { timeout: 30_000, interval: 500 }).toContain(b.publicKey);
      await expect
        .poll(
          async () =>
            (await call(auth.url, 'GET', `/v1/commands/${command.body.id}`, { token: admin })).body.status,
          { timeout: 15_000 },
        )
        .toBe('succeeded');
    });

    it("deleting a node removes it from the other node's peers", async () => {
      const [a] = agents as [AgentProcess];
      const { key } = await createEnrollmentKey(auth.url, admin);
      const extra = await enrollNode(auth.url, key, { name: 'short-lived', endpoint: '10.213.0.250:51820' });
      await expect.poll(() => peersOf(a), { timeout: 30_000, interval: 500 }).toContain(extra.publicKey);
      expect((await call(auth.url, 'DELETE', `/v1/nodes/${extra.node_id}`, { token: admin })).status).toBe(
        204,
      );
      await expect.poll(() => peersOf(a), { timeout: 30_000, interval: 500 }).not.toContain(extra.publicKey);
    });

    it('with the auth-api and gateway gone, the tunnel still carries packets; a restarted agent re-applies its last config', async () => {
      const [a, b] = agents as [AgentProcess, AgentProcess];
      await gateway.close();
      await auth.api.close();
      await ping(a, b.tunnelIp);
      // Restart A with the control plane down, after its interface vanished entirely.
      a.process?.kill('SIGKILL');
      const pids = (await a.host.exec(['pgrep', '-f', `wireguard-go ${a.iface}`]).catch(() => ''))
        .split('\n')
        .filter(Boolean);
      for (const pid of pids) process.kill(Number(pid), 'SIGKILL');
      await expect
        .poll(
          () =>
            a.host.exec(['ip', 'link', 'show', a.iface]).then(
              () => true,
              () => false,
            ),
          { timeout: 10_000 },
        )
        .toBe(false);
      startAgent(a);
      await expect
        .poll(
          () =>
            ping(a, b.tunnelIp).then(
              () => true,
              () => false,
            ),
          { timeout: 30_000, interval: 500 },
        )
        .toBe(true);
    });
  },
);
