import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RunningGateway } from '@wirefleet/gateway-service';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, type TestAuthApi } from '../support/auth-api.js';
import { createEnrollmentKey } from '../support/fleet.js';
import { createTestNetwork, netnsSkipReason, type TestNetwork } from '../support/netns.js';
import {
  startNetnsControlPlane,
  converged,
  enrollAgents,
  type NetnsAgent,
  pingOnce,
  serveTcp,
  startAgent,
  stopAgents,
  tcpFetch,
  wgPeers,
} from '../support/netns-agents.js';

const skip = netnsSkipReason();
const POLL = { timeout: 30_000, interval: 500 };

/**
 * Access policy enforced for real (issue 14): auth-api, gateway and three agents in their own
 * namespaces with wireguard-go and nftables. A policy that lets n1 reach n2 on tcp:80 only is
 * `PUT` through the API; the agents apply what the API compiled, and packets show it.
 */
describe.skipIf(skip !== undefined)(
  `access policy in network namespaces${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    let net: TestNetwork;
    let auth: TestAuthApi;
    let gateway: RunningGateway;
    let admin: string;
    let agents: NetnsAgent[] = [];
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'wf-policy-'));

    const putPolicy = (body: unknown) => call(auth.url, 'PUT', '/v1/policy', { token: admin, body });
    const allConverged = async () =>
      (await Promise.all(agents.map((agent) => converged(auth.url, admin, agent)))).every(Boolean);
    const reaches = (from: NetnsAgent, to: NetnsAgent, port: number) =>
      tcpFetch(from.host, to.tunnelIp, port, 2000).catch((error: Error) => error.message);
    const pings = (from: NetnsAgent, to: NetnsAgent) =>
      pingOnce(from, to.tunnelIp).then(
        () => true,
        () => false,
      );

    beforeAll(async () => {
      net = await createTestNetwork(3);
      ({ auth, gateway, admin } = await startNetnsControlPlane(net.gatewayAddress));
      const { key } = await createEnrollmentKey(auth.url, admin, { reusable: true, max_uses: 3 });
      agents = await enrollAgents(net.hosts, {
        apiUrl: auth.url,
        gatewayUrl: gateway.url,
        key,
        workDir: work,
        prefix: `p${net.id}`,
      });
      for (const agent of agents) startAgent(agent);
      const [, n2] = agents as [NetnsAgent, NetnsAgent, NetnsAgent];
      serveTcp(n2.host, 80, 'web-on-n2');
      serveTcp(n2.host, 22, 'ssh-on-n2');
    });

    afterAll(async () => {
      stopAgents(agents);
      await gateway?.close().catch(() => undefined);
      await auth?.close().catch(() => undefined);
      await net?.teardown();
      fs.rmSync(work, { recursive: true, force: true });
    });

    it('without a policy, the full mesh: every node reaches every port of every other', async () => {
      const [n1, n2, n3] = agents as [NetnsAgent, NetnsAgent, NetnsAgent];
      await expect.poll(allConverged, POLL).toBe(true);
      await expect.poll(() => reaches(n1, n2, 80), POLL).toBe('web-on-n2');
      expect(await reaches(n1, n2, 22)).toBe('ssh-on-n2');
      expect(await reaches(n3, n2, 22)).toBe('ssh-on-n2');
      expect(await pings(n1, n2)).toBe(true);
    });

    it('n1 → n2 on tcp:80 only: 80 answers, 22 and ping are dropped, n3 has no session with n2', async () => {
      const [n1, n2, n3] = agents as [NetnsAgent, NetnsAgent, NetnsAgent];
      const put = await putPolicy({
        rules: [{ src: [`node:${n1.nodeId}`], dst: [`node:${n2.nodeId}`], ports: ['tcp:80'] }],
        tests: [
          { src: `node:${n1.nodeId}`, dst: `node:${n2.nodeId}`, port: 'tcp:80', expect: 'allow' },
          { src: `node:${n1.nodeId}`, dst: `node:${n2.nodeId}`, port: 'tcp:22', expect: 'deny' },
        ],
      });
      expect(put.status).toBe(200);
      await expect.poll(allConverged, POLL).toBe(true);
      await expect.poll(() => wgPeers(n3), POLL).not.toContain(n2.publicKey);
      expect(await wgPeers(n2)).not.toContain(n3.publicKey);
      // The reply of an allowed connection flows back: the answer arrives.
      expect(await reaches(n1, n2, 80)).toBe('web-on-n2');
      // Dropped, not refused: the SYN never gets an answer.
      expect(await reaches(n1, n2, 22)).toBe('timeout');
      expect(await pings(n1, n2)).toBe(false);
      // Nothing lets n2 open connections to n1, and n3 has no route to n2 at all.
      expect(await reaches(n3, n2, 80)).not.toBe('web-on-n2');
      const table = await n2.host.exec(['nft', 'list', 'table', 'inet', 'wirefleet']);
      expect(table).toContain(`ip saddr ${n1.tunnelIp}`);
    });

    it('a new version that allows ping takes effect within seconds', async () => {
      const [n1, n2] = agents as [NetnsAgent, NetnsAgent, NetnsAgent];
      const put = await putPolicy({
        rules: [{ src: [`node:${n1.nodeId}`], dst: [`node:${n2.nodeId}`], ports: ['tcp:80', 'icmp'] }],
      });
      expect(put.status).toBe(200);
      expect(put.body).toMatchObject({ nodes_updated: 1 });
      await expect.poll(() => pings(n1, n2), { timeout: 15_000, interval: 250 }).toBe(true);
      expect(await reaches(n1, n2, 22)).toBe('timeout');
    });
  },
);
