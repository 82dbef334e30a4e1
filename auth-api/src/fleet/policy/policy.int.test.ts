import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, login, startTestAuthApi, type TestAuthApi } from '../../../../test/support/auth-api.js';
import { createEnrollmentKey, type EnrolledNode, enrollNode, nodeToken, wgKeyPair } from '../../../../test/support/fleet.js';

interface NodeConfigBody {
  config: {
    revision: number;
    peers: Array<{ public_key: string; allowed_ips: string[] }>;
    filter?: { inbound: Array<{ from: string[]; to?: string[]; proto: string; ports?: number[][] }> };
  };
}

/** The access policy through its routes (CONTRACT §8): versions, validation, tests, check, compiled configs. */
describe('access policy', () => {
  let t: TestAuthApi;
  let admin: string;
  let viewer: string;
  let operator: string;
  let n1: EnrolledNode;
  let n2: EnrolledNode;
  let n3: EnrolledNode;
  let deviceId: number;
  beforeAll(async () => {
    t = await startTestAuthApi({ redis: false, env: { ENROLL_LIMIT_PER_IP_PER_MINUTE: '1000' } });
    admin = (await login(t.url)).access_token;
    for (const [username, role] of [
      ['viewer1', 'viewer'],
      ['operator1', 'operator'],
    ])
      await call(t.url, 'POST', '/v1/users', { token: admin, body: { username, password: `${username}-password`, role } });
    viewer = (await login(t.url, 'viewer1', 'viewer1-password')).access_token;
    operator = (await login(t.url, 'operator1', 'operator1-password')).access_token;
    const lbKey = (await createEnrollmentKey(t.url, admin, { reusable: true, tags: ['lb'] })).key;
    const webKey = (await createEnrollmentKey(t.url, admin, { reusable: true, tags: ['web'] })).key;
    n1 = await enrollNode(t.url, lbKey, { name: 'n1', endpoint: '192.0.2.1:51820' });
    n2 = await enrollNode(t.url, webKey, { name: 'n2', endpoint: '192.0.2.2:51820' });
    n3 = await enrollNode(t.url, webKey, { name: 'n3', endpoint: '192.0.2.3:51820' });
    const device = await call<{ id: number }>(t.url, 'POST', '/v1/devices', {
      token: operator,
      body: { name: 'laptop', wg_public_key: wgKeyPair().publicKey, node_id: n2.node_id, tags: ['laptops', 'laptops'] },
    });
    expect(device.status).toBe(201);
    expect(device.body).toMatchObject({ tags: ['laptops'] });
    deviceId = device.body.id;
  });
  afterAll(async () => {
    await t.close();
  });

  const configOf = async (node: EnrolledNode) => {
    const response = await call<NodeConfigBody>(t.url, 'GET', '/v1/nodes/self/config', { token: await nodeToken(t.url, node) });
    expect(response.status).toBe(200);
    return response.body.config;
  };
  const putPolicy = (body: unknown, token = admin) => call(t.url, 'PUT', '/v1/policy', { token, body });
  const check = (src: string, dst: string, port: string) =>
    call(t.url, 'POST', '/v1/policy/check', { token: viewer, body: { src, dst, port } });

  it('with no policy set: version 0, a full mesh, no filter, everything allowed', async () => {
    expect((await call(t.url, 'GET', '/v1/policy', { token: viewer })).body).toEqual({
      policy: null,
      version: 0,
      updated_at: null,
      updated_by: null,
    });
    const config = await configOf(n1);
    expect(config.peers.map((peer) => peer.public_key).sort()).toEqual([n2.publicKey, n3.publicKey].sort());
    expect(config.filter).toBeUndefined();
    expect((await check(`node:${n3.node_id}`, `node:${n2.node_id}`, 'tcp:22')).body).toMatchObject({ allow: true, reason: 'no_policy' });
  });

  it('refuses a malformed policy, unknown members and failing tests with every path, and changes nothing', async () => {
    const malformed = await putPolicy({ rules: [{ src: ['tag:LB'], dst: ['*'], ports: ['tcp:0', 'tcp:90-80', 'sctp:1'] }] });
    expect(malformed.status).toBe(400);
    expect(malformed.body.code).toBe('invalid_policy');
    const paths = (malformed.body.errors as Array<{ path: string }>).map((error) => error.path);
    expect(paths).toEqual(expect.arrayContaining(['rules.0.src.0', 'rules.0.ports.0', 'rules.0.ports.1', 'rules.0.ports.2']));

    const unknown = await putPolicy({ rules: [{ src: ['node:999999'], dst: [`device:${deviceId}`, 'device:424242'], ports: ['*'] }] });
    expect(unknown.status).toBe(400);
    expect((unknown.body.errors as Array<{ path: string }>).map((error) => error.path)).toEqual(['rules.0.src.0', 'rules.0.dst.1']);

    const failing = await putPolicy({
      rules: [{ src: ['tag:lb'], dst: ['tag:web'], ports: ['tcp:80'] }],
      tests: [
        { src: `node:${n1.node_id}`, dst: `node:${n2.node_id}`, port: 'tcp:80', expect: 'allow' },
        { src: `node:${n1.node_id}`, dst: `node:${n2.node_id}`, port: 'tcp:443', expect: 'allow' },
      ],
    });
    expect(failing.status).toBe(400);
    expect(failing.body.errors).toEqual([{ path: 'tests.1', message: expect.stringContaining('tcp:443') }]);

    expect((await putPolicy({ rules: [] }, operator)).status).toBe(403);
    expect((await call(t.url, 'GET', '/v1/policy', { token: viewer })).body).toMatchObject({ version: 0, policy: null });
  });

  it('a PUT compiles per node: only reachable peers, an inbound filter, and only changed nodes re-signed', async () => {
    const before = await Promise.all([n1, n2, n3].map(configOf));
    const put = await putPolicy({
      rules: [{ src: ['tag:lb'], dst: [`node:${n2.node_id}`], ports: ['tcp:80'], description: 'lb to web' }],
      tests: [
        { src: `node:${n1.node_id}`, dst: `node:${n2.node_id}`, port: 'tcp:80', expect: 'allow' },
        { src: `node:${n3.node_id}`, dst: `node:${n2.node_id}`, port: 'tcp:22', expect: 'deny' },
      ],
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ version: 1, warnings: [], nodes_updated: 3 });
    const [c1, c2, c3] = await Promise.all([n1, n2, n3].map(configOf));
    expect(c1!.peers.map((peer) => peer.public_key)).toEqual([n2.publicKey]);
    expect(c3!.peers.map((peer) => peer.public_key)).toEqual([]);
    expect(c2!.filter!.inbound).toEqual([{ from: [`${n1.tunnel_ip}/32`], proto: 'tcp', ports: [[80, 80]] }]);
    expect(c1!.filter).toEqual({ inbound: [] });
    for (const [index, config] of [c1, c2, c3].entries()) expect(config!.revision).toBe(before[index]!.revision + 1);

    // The same rules again, with a warning-only tag: nothing compiles differently, no node is re-signed.
    const again = await putPolicy({
      rules: [
        { src: ['tag:lb'], dst: [`node:${n2.node_id}`], ports: ['tcp:80'] },
        { src: ['tag:nobody-has-this'], dst: ['*'], ports: ['*'] },
      ],
    });
    expect(again.body).toMatchObject({ version: 2, nodes_updated: 0, warnings: [{ path: 'rules.1.src.0' }] });
    expect((await configOf(n2)).revision).toBe(c2!.revision);
  });

  it('check answers with the deciding rule, the port forward, or no rule', async () => {
    expect((await check(`node:${n1.node_id}`, `node:${n2.node_id}`, 'tcp:80')).body).toEqual({ allow: true, rule_index: 0, reason: 'rule' });
    expect((await check(`node:${n1.node_id}`, `node:${n2.node_id}`, 'tcp:22')).body).toEqual({ allow: false, reason: 'no_rule' });
    expect((await check(`node:${n2.node_id}`, `node:${n1.node_id}`, 'tcp:80')).body).toEqual({ allow: false, reason: 'no_rule' });
    expect((await check('node:999999', `node:${n1.node_id}`, 'icmp')).status).toBe(404);
    expect((await check('tag:lb', `node:${n1.node_id}`, 'icmp')).status).toBe(400);

    const forward = await call(t.url, 'POST', `/v1/nodes/${n3.node_id}/port-forwards`, {
      token: operator,
      body: { protocol: 'tcp', public_port: 8443, target_ip: n2.tunnel_ip, target_port: 443 },
    });
    expect(forward.status).toBe(201);
    expect((await check(`node:${n3.node_id}`, `node:${n2.node_id}`, 'tcp:443')).body).toEqual({ allow: true, reason: 'port_forward' });
    const c2 = await configOf(n2);
    // Both nodes now, beside the device attached to n2 (always its node's peer).
    expect(c2.peers.map((peer) => peer.public_key)).toEqual(expect.arrayContaining([n1.publicKey, n3.publicKey]));
    expect(c2.peers).toHaveLength(3);
    expect(c2.filter!.inbound).toContainEqual({ from: [`${n3.tunnel_ip}/32`], proto: 'tcp', ports: [[443, 443]] });
  });

  it('a tag change re-signs only the nodes whose peers or filter change', async () => {
    const before = await Promise.all([n1, n2, n3].map(configOf));
    // n3 becomes a load balancer: n2 admits it on tcp:80, n3 gains… nothing new (it already peers n2).
    const patched = await call(t.url, 'PATCH', `/v1/nodes/${n3.node_id}`, { token: operator, body: { tags: ['lb', 'web'] } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ tags: ['lb', 'web'] });
    const after = await Promise.all([n1, n2, n3].map(configOf));
    expect(after[0]!.revision).toBe(before[0]!.revision);
    expect(after[1]!.revision).toBe(before[1]!.revision + 1);
    expect(after[2]!.revision).toBe(before[2]!.revision);
    expect(after[1]!.filter!.inbound).toContainEqual({
      from: [n1.tunnel_ip, n3.tunnel_ip].map((ip) => `${ip}/32`).sort(),
      proto: 'tcp',
      ports: [[80, 80]],
    });
  });

  it('devices are members: tags by PATCH, filtered on their node with `to`', async () => {
    const put = await putPolicy({ rules: [{ src: ['tag:lb'], dst: ['tag:laptops'], ports: ['udp:53'] }] });
    expect(put.status).toBe(200);
    const device = await call<{ tunnel_ip: string }>(t.url, 'PATCH', `/v1/devices/${deviceId}`, {
      token: operator,
      body: { tags: ['laptops', 'admins'] },
    });
    expect(device.body).toMatchObject({ tags: ['admins', 'laptops'] });
    const c2 = await configOf(n2);
    expect(c2.filter!.inbound).toContainEqual({
      from: [n1.tunnel_ip, n3.tunnel_ip].map((ip) => `${ip}/32`).sort(),
      to: [`${device.body.tunnel_ip}/32`],
      proto: 'udp',
      ports: [[53, 53]],
    });
    expect((await check(`node:${n1.node_id}`, `device:${deviceId}`, 'udp:53')).body).toMatchObject({ allow: true, rule_index: 0 });
  });

  it('keeps every version with who and when, serves old ones, and audits each change', async () => {
    const versions = await call<{ items: Array<{ version: number; created_by: string; rules: unknown[] }> }>(
      t.url,
      'GET',
      '/v1/policy/versions?limit=2',
      { token: viewer },
    );
    expect(versions.status).toBe(200);
    expect(versions.body.items.map((item) => item.version)).toEqual([3, 2]);
    expect(versions.body).toHaveProperty('next_cursor');
    const first = await call<{ rules: unknown[] }>(t.url, 'GET', '/v1/policy/versions/1', { token: viewer });
    expect(first.body.rules).toHaveLength(1);
    expect((await call(t.url, 'GET', '/v1/policy/versions/99', { token: viewer })).status).toBe(404);
    // Reverting is PUTting an old version: a new version with the old document.
    const revert = await putPolicy({ rules: first.body.rules, tests: [] });
    expect(revert.body).toMatchObject({ version: 4 });
    const current = await call(t.url, 'GET', '/v1/policy', { token: viewer });
    expect(current.body).toMatchObject({ version: 4, updated_by: expect.stringMatching(/^user:/) });
    const audit = await call<{ items: Array<{ type: string; subject: string }> }>(t.url, 'GET', '/v1/audit-events?type=policy.updated', {
      token: admin,
    });
    expect(audit.body.items.map((event) => event.subject).sort()).toEqual(['policy:1', 'policy:2', 'policy:3', 'policy:4']);
  });
});
