import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Agent, type AgentConfig, MemoryDataplane, StateStore } from '@wirefleet/node-agent';
import { createLogger } from '@wirefleet/shared/logging';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { call } from './support/auth-api.js';
import { createEnrollmentKey, type EnrolledNode, enrollNode } from './support/fleet.js';
import { startRealtimeStack, type RealtimeStack } from './support/realtime-stack.js';
import { connect } from './support/ws-client.js';

/** The whole agent loop against a real auth-api and gateway, on the in-memory dataplane (no root needed). */
describe('node agent control loop (memory dataplane)', () => {
  let stack: RealtimeStack;
  let admin: string;
  let node: EnrolledNode;
  let peer: EnrolledNode;
  let dir: string;
  const logger = createLogger({ service: 'node-agent', level: 'warn' });

  beforeAll(async () => {
    stack = await startRealtimeStack({ instances: 1 });
    admin = await stack.adminToken();
    const { key } = await createEnrollmentKey(stack.auth.url, admin, { reusable: true });
    node = await enrollNode(stack.auth.url, key, { name: 'agent-under-test' });
    peer = await enrollNode(stack.auth.url, key, { name: 'its-peer', endpoint: '198.51.100.9:51820' });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wf-agent-'));
  });
  afterAll(async () => {
    await stack.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const agentConfig = (): AgentConfig => ({
    version: 1,
    api_url: stack.auth.url,
    gateway_url: stack.gateways[0]!.url,
    node_id: node.node_id,
    name: 'agent-under-test',
    network_cidr: node.network_cidr,
    tunnel_ip: node.tunnel_ip,
    interface: 'wfmem0',
    listen_port: 51820,
    backend: 'memory',
    wireguard_public_key: node.publicKey,
    dir,
    configPath: path.join(dir, 'agent.json'),
  });
  const startAgent = async (dataplane: MemoryDataplane) => {
    const agent = new Agent({
      config: agentConfig(),
      secrets: { wireguardPrivateKey: node.privateKey, nodeSecret: node.node_secret },
      dataplane,
      state: new StateStore(dir),
      logger,
      statusIntervalMs: 300,
    });
    await agent.start();
    return agent;
  };
  const nodeView = async () => (await call(stack.auth.url, 'GET', `/v1/nodes/${node.node_id}`, { token: admin })).body;

  it('applies its config, reports it, heartbeats, and follows config changes', async () => {
    const dataplane = new MemoryDataplane(logger);
    const agent = await startAgent(dataplane);
    const desired = (await nodeView()).desired_revision as number;
    await expect.poll(() => agent.revision, { timeout: 10_000 }).toBe(desired);
    expect(await dataplane.show()).toContain(peer.publicKey);
    await expect.poll(async () => (await nodeView()).applied_revision, { timeout: 10_000 }).toBe(desired);
    await expect.poll(async () => (await nodeView()).online, { timeout: 10_000 }).toBe(true);

    const forward = await call(stack.auth.url, 'POST', `/v1/nodes/${node.node_id}/port-forwards`, {
      token: admin,
      body: { protocol: 'tcp', public_port: 8443, target_ip: peer.tunnel_ip, target_port: 443 },
    });
    expect(forward.status).toBe(201);
    await expect.poll(() => agent.revision, { timeout: 10_000 }).toBe(desired + 1);
    await expect.poll(async () => (await nodeView()).applied_revision, { timeout: 10_000 }).toBe(desired + 1);

    const command = await call(stack.auth.url, 'POST', `/v1/nodes/${node.node_id}/commands`, { token: admin, body: { type: 'wg_show' } });
    await expect
      .poll(async () => (await call(stack.auth.url, 'GET', `/v1/commands/${command.body.id}`, { token: admin })).body.status, { timeout: 10_000 })
      .toBe('succeeded');
    // A ping outside the tunnel network never reaches the agent: the API refuses it (the agent
    // would refuse it too, see its command runner).
    const refused = await call(stack.auth.url, 'POST', `/v1/nodes/${node.node_id}/commands`, {
      token: admin,
      body: { type: 'ping', args: { target_ip: '192.0.2.1' } },
    });
    expect(refused.status).toBe(400);
    await agent.stop();
  });

  it('runs commands queued while it was offline once it is back, each exactly once, also across a restart', async () => {
    const queue = async (body: Record<string, unknown>) =>
      (await call(stack.auth.url, 'POST', `/v1/nodes/${node.node_id}/commands`, { token: admin, body })).body.id as string;
    const commandView = async (id: string) => (await call(stack.auth.url, 'GET', `/v1/commands/${id}`, { token: admin })).body;
    // Queued while no agent runs: the live `command` events go nowhere.
    const ids = [await queue({ type: 'ping', args: { target_ip: peer.tunnel_ip, count: 2 } }), await queue({ type: 'wg_show' })];
    const dataplane = new MemoryDataplane(logger);
    const pings = vi.spyOn(dataplane, 'ping');
    const shows = vi.spyOn(dataplane, 'show');
    const agent = await startAgent(dataplane);
    for (const id of ids) await expect.poll(async () => (await commandView(id)).status, { timeout: 10_000 }).toBe('succeeded');
    expect((await commandView(ids[0]!)).result).toEqual({ output: expect.stringContaining('no packet sent') });
    await agent.stop();
    // A restarted agent on the same state folder is handed nothing new and runs nothing again.
    const again = await startAgent(dataplane);
    await expect.poll(async () => (await nodeView()).online, { timeout: 10_000 }).toBe(true);
    const later = await queue({ type: 'wg_show' });
    await expect.poll(async () => (await commandView(later)).status, { timeout: 10_000 }).toBe('succeeded');
    expect(pings).toHaveBeenCalledTimes(1);
    expect(shows).toHaveBeenCalledTimes(2);
    await again.stop();
  });

  it('retries a config or command fetch the auth-api could not answer, without waiting for another change', async () => {
    let failing = true;
    // The auth-api is "away" (as while Postgres restarts) for the first fetches after connecting.
    const flaky: typeof fetch = async (input, init) => {
      const url = String(input);
      if (failing && (url.endsWith('/v1/nodes/self/config') || url.endsWith('/v1/nodes/self/commands'))) {
        return new Response(JSON.stringify({ code: 'service_unavailable' }), { status: 503, headers: { 'content-type': 'application/problem+json' } });
      }
      return fetch(input, init);
    };
    await call(stack.auth.url, 'PATCH', `/v1/nodes/${node.node_id}`, { token: admin, body: { region: 'retry-test' } });
    const desired = (await nodeView()).desired_revision as number;
    const queued = (await call(stack.auth.url, 'POST', `/v1/nodes/${node.node_id}/commands`, { token: admin, body: { type: 'reconcile' } })).body.id;
    const agent = new Agent({
      config: agentConfig(),
      secrets: { wireguardPrivateKey: node.privateKey, nodeSecret: node.node_secret },
      dataplane: new MemoryDataplane(logger),
      state: new StateStore(dir),
      logger,
      fetchImpl: flaky,
    });
    await agent.start();
    await new Promise((resolve) => setTimeout(resolve, 500));
    failing = false;
    await expect.poll(() => agent.revision, { timeout: 15_000 }).toBe(desired);
    await expect
      .poll(async () => (await call(stack.auth.url, 'GET', `/v1/commands/${queued}`, { token: admin })).body.status, { timeout: 15_000 })
      .toBe('succeeded');
    await agent.stop();
  });

  it('a tampered or foreign config is refused, not applied, and reported to the node room', async () => {
    const viewer = await connect(stack.gateways[0]!.url, admin);
    viewer.send({ type: 'subscribe', room: `node:${node.node_id}`, id: 's' });
    await viewer.next((frame) => frame.type === 'subscribed');
    const dataplane = new MemoryDataplane(logger);
    const before = await dataplane.show();
    // Every config this agent fetches has one byte of its signed payload changed.
    const tampering: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (!String(input).endsWith('/v1/nodes/self/config')) return response;
      const body = (await response.json()) as { config: unknown; signature: string };
      const [header, payload, signature] = body.signature.split('.') as [string, string, string];
      const bytes = Buffer.from(payload, 'base64url');
      bytes[20]! ^= 1;
      return new Response(JSON.stringify({ ...body, signature: `${header}.${bytes.toString('base64url')}.${signature}` }), {
        status: 200,
        headers: { 'content-type': 'application/json' },
      });
    };
    const agent = new Agent({
      config: agentConfig(),
      secrets: { wireguardPrivateKey: node.privateKey, nodeSecret: node.node_secret },
      dataplane,
      state: new StateStore(fs.mkdtempSync(path.join(os.tmpdir(), 'wf-agent-tamper-'))),
      logger,
      fetchImpl: tampering,
    });
    await agent.start();
    const report = await viewer.next<{ type: 'event'; event: string; data: { ok: boolean; error: string } }>(
      (frame) => frame.type === 'event' && (frame as { event?: string }).event === 'config.applied',
      15_000,
    );
    expect(report.data.ok).toBe(false);
    expect(report.data.error).toMatch(/^refused: config signature refused/);
    expect(agent.revision).toBeUndefined();
    expect(await dataplane.show()).toBe(before);
    await agent.stop();
    viewer.close();
  });

  it('on restart with the control plane unreachable, it applies the last verified config from disk', async () => {
    const dataplane = new MemoryDataplane(logger);
    const offline = new Agent({
      config: { ...agentConfig(), api_url: 'http://127.0.0.1:65530', gateway_url: 'ws://127.0.0.1:65530/ws' },
      secrets: { wireguardPrivateKey: node.privateKey, nodeSecret: node.node_secret },
      dataplane,
      state: new StateStore(dir),
      logger,
    });
    await offline.start();
    expect(offline.revision).toBe((await nodeView()).applied_revision);
    expect(await dataplane.show()).toContain(peer.publicKey);
    await offline.stop();
  });
});
