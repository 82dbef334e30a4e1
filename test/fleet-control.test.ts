import { StaticKeySet, verifyCompactJws, CONFIG_JWS_TYP, type Jwks } from '@wirefleet/shared/tokens';
import type { EventFrame } from '@wirefleet/shared/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from './support/auth-api.js';
import { createEnrollmentKey, type EnrolledNode, enrollNode, nodeToken } from './support/fleet.js';
import { startRealtimeStack, type RealtimeStack } from './support/realtime-stack.js';
import { connect, type TestSocket } from './support/ws-client.js';

interface SignedConfig {
  config: { node_id: number; revision: number; peers: Array<{ public_key: string; allowed_ips: string[]; endpoint?: string; persistent_keepalive?: number }>; port_forwards: unknown[]; interface: { address: string; listen_port: number }; masquerade: boolean };
  signature: string;
}

describe('fleet control through the auth-api and a gateway', () => {
  let stack: RealtimeStack;
  let admin: string;
  let a: EnrolledNode;
  let b: EnrolledNode;
  let jwks: Jwks;
  beforeAll(async () => {
    stack = await startRealtimeStack({ instances: 1 });
    admin = await stack.adminToken();
    const { key } = await createEnrollmentKey(stack.auth.url, admin, { reusable: true, max_uses: 10 });
    a = await enrollNode(stack.auth.url, key, { name: 'node-a', endpoint: '192.0.2.10:51820', region: 'eu' });
    b = await enrollNode(stack.auth.url, key, { name: 'node-b', region: 'eu' });
    jwks = (await call<Jwks>(stack.auth.url, 'GET', '/.well-known/jwks.json')).body;
  });
  afterAll(async () => {
    await stack.close();
  });

  const fetchConfig = async (node: EnrolledNode) =>
    (await call<SignedConfig>(stack.auth.url, 'GET', '/v1/nodes/self/config', { token: await nodeToken(stack.auth.url, node) })).body;

  const connectNode = async (node: EnrolledNode): Promise<TestSocket> => {
    const socket = await connect(stack.gateways[0]!.url, await nodeToken(stack.auth.url, node));
    await socket.next((frame) => frame.type === 'welcome');
    return socket;
  };

  it('serves a signed config that verifies against the JWKS and fails when one byte changes', async () => {
    const signed = await fetchConfig(b);
    const keySet = new StaticKeySet(jwks);
    const verified = await verifyCompactJws<SignedConfig['config']>(signed.signature, keySet, { typ: CONFIG_JWS_TYP });
    expect(verified.payload).toEqual(signed.config);
    expect(signed.config).toMatchObject({ node_id: b.node_id, masquerade: true, interface: { address: `${b.tunnel_ip}/16`, listen_port: 51820 } });
    // b has no endpoint (behind NAT): it keeps its peers' tunnels open; a's endpoint is known.
    expect(signed.config.peers).toEqual([
      { public_key: a.publicKey, allowed_ips: [`${a.tunnel_ip}/32`], endpoint: '192.0.2.10:51820', persistent_keepalive: 25 },
    ]);
    const [header, payload, signature] = signed.signature.split('.') as [string, string, string];
    const flip = (segment: string) => {
      const bytes = Buffer.from(segment, 'base64url');
      bytes[Math.floor(bytes.length / 2)]! ^= 1;
      return bytes.toString('base64url');
    };
    await expect(verifyCompactJws(`${header}.${flip(payload)}.${signature}`, keySet, { typ: CONFIG_JWS_TYP })).rejects.toThrow();
    await expect(verifyCompactJws(`${header}.${payload}.${flip(signature)}`, keySet, { typ: CONFIG_JWS_TYP })).rejects.toThrow();
    // A config JWS is not an access token and vice versa.
    await expect(verifyCompactJws(signed.signature, keySet, { typ: 'at+jwt' })).rejects.toThrow();
  });

  it('every change bumps the revision and announces config.changed to the node room, newest revision only', async () => {
    const node = await connectNode(a);
    const viewer = await connect(stack.gateways[0]!.url, admin);
    viewer.send({ type: 'subscribe', room: 'fleet', id: 'f' });
    await viewer.next((frame) => frame.type === 'subscribed');
    const before = (await fetchConfig(a)).config.revision;
    const forwards = await Promise.all(
      [25565, 25566, 25567].map((port) =>
        call(stack.auth.url, 'POST', `/v1/nodes/${a.node_id}/port-forwards`, {
          token: admin,
          body: { protocol: 'tcp', public_port: port, target_ip: b.tunnel_ip, target_port: port, description: '"; flush ruleset; #' },
        }),
      ),
    );
    expect(forwards.map((f) => `${f.status} ${f.text.slice(0, 200)}`)).toEqual(forwards.map(() => expect.stringMatching(/^201/)));
    expect(forwards[0]!.body.description).toBe('"; flush ruleset; #');
    const after = (await fetchConfig(a)).config;
    expect(after.revision).toBe(before + 3);
    await expect
      .poll(() => node.frames.filter((f): f is EventFrame => f.type === 'event' && f.event === 'config.changed').at(-1)?.data)
      .toEqual({ revision: before + 3 });
    const announced = node.frames.filter((f): f is EventFrame => f.type === 'event' && f.event === 'config.changed');
    // Coalesced: never more announcements than changes, and revisions only increase.
    expect(announced.length).toBeLessThanOrEqual(3);
    const revisions = announced.map((f) => (f.data as { revision: number }).revision);
    expect(revisions).toEqual([...revisions].sort((x, y) => x - y));
    // The free-text description never reaches the node.
    expect(JSON.stringify(after)).not.toContain('flush');
    expect(after.port_forwards).toContainEqual({ protocol: 'tcp', public_port: 25565, target_ip: b.tunnel_ip, target_port: 25565 });
    // The fleet room hears the new desired revision too (a dashboard shows the node behind).
    await viewer.next(
      (f) => f.type === 'event' && f.event === 'node.config_changed' && (f.data as { desired_revision: number }).desired_revision === before + 3,
    );
    node.close();
    viewer.close();
  });

  it('a command goes queued → sent → succeeded through the gateway, and the fleet room hears about it', async () => {
    const viewer = await connect(stack.gateways[0]!.url, admin);
    viewer.send({ type: 'subscribe', room: 'fleet', id: 'f' });
    await viewer.next((frame) => frame.type === 'subscribed');
    const node = await connectNode(b);
    const created = await call(stack.auth.url, 'POST', `/v1/nodes/${b.node_id}/commands`, {
      token: admin,
      body: { type: 'ping', args: { target_ip: a.tunnel_ip, count: 1 } },
    });
    expect(created.status).toBe(202);
    expect(created.body).toMatchObject({ status: 'queued', type: 'ping', args: { target_ip: a.tunnel_ip, count: 1 } });
    const id = created.body.id as string;
    const command = await node.next<EventFrame>((f) => f.type === 'event' && f.event === 'command');
    expect(command.data).toMatchObject({ id, type: 'ping', args: { target_ip: a.tunnel_ip, count: 1 } });
    await expect.poll(async () => (await call(stack.auth.url, 'GET', `/v1/commands/${id}`, { token: admin })).body.status).toBe('sent');
    node.send({ type: 'publish', room: `node:${b.node_id}`, event: 'command.result', data: { command_id: id, ok: true, output: '1 packets received' } });
    await expect
      .poll(async () => (await call(stack.auth.url, 'GET', `/v1/commands/${id}`, { token: admin })).body, { timeout: 10_000 })
      .toMatchObject({ status: 'succeeded', result: { output: '1 packets received' } });
    await viewer.next((f) => f.type === 'event' && f.event === 'command.updated' && (f.data as { status: string }).status === 'succeeded');
    // Every status was announced, in order.
    const statuses = viewer.frames
      .filter((f): f is EventFrame => f.type === 'event' && f.event === 'command.updated' && (f.data as { id: string }).id === id)
      .map((f) => (f.data as { status: string }).status);
    expect(statuses).toEqual(['queued', 'sent', 'succeeded']);
    node.close();
    viewer.close();
  });

  it('status heartbeats mark a node online with its stats; they show in GET /v1/nodes/:id', async () => {
    const node = await connectNode(a);
    const status = {
      applied_revision: (await fetchConfig(a)).config.revision,
      peers: [{ public_key: b.publicKey, latest_handshake: 1_700_000_000, rx_bytes: 10, tx_bytes: 20 }],
      state_digest: 'sha256:abc',
      drift: false,
    };
    node.send({ type: 'publish', room: `node:${a.node_id}`, event: 'status', data: status });
    await expect
      .poll(async () => (await call(stack.auth.url, 'GET', `/v1/nodes/${a.node_id}`, { token: admin })).body, { timeout: 10_000 })
      .toMatchObject({ online: true, applied_revision: status.applied_revision, drift: false, state_digest: 'sha256:abc', peers: status.peers });
    node.close();
  });

  it('deleting a node offboards it: connection closed with 4003, token refused, removed from peers, address freed', async () => {
    const { key } = await createEnrollmentKey(stack.auth.url, admin);
    const doomed = await enrollNode(stack.auth.url, key, { name: 'doomed' });
    const token = await nodeToken(stack.auth.url, doomed);
    expect((await fetchConfig(a)).config.peers.map((p) => p.public_key)).toContain(doomed.publicKey);
    const socket = await connect(stack.gateways[0]!.url, token);
    await socket.next((frame) => frame.type === 'welcome');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await call(stack.auth.url, 'DELETE', `/v1/nodes/${doomed.node_id}`, { token: admin })).status).toBe(204);
    expect((await socket.closed).code).toBe(4003);
    expect((await call(stack.auth.url, 'GET', '/v1/nodes/self/config', { token })).status).toBe(401);
    expect((await call(stack.auth.url, 'POST', '/v1/nodes/token', { body: { node_id: doomed.node_id, node_secret: doomed.node_secret } })).status).toBe(401);
    expect((await fetchConfig(a)).config.peers.map((p) => p.public_key)).not.toContain(doomed.publicKey);
    const { key: again } = await createEnrollmentKey(stack.auth.url, admin);
    const reuse = await enrollNode(stack.auth.url, again, { name: 'reuses-address' });
    expect(reuse.tunnel_ip).toBe(doomed.tunnel_ip);
  });
});
