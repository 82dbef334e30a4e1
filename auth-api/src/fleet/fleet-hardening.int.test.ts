import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, login, startTestAuthApi, type TestAuthApi } from '../../../test/support/auth-api.js';
import { createEnrollmentKey, type EnrolledNode, enrollNode, wgKeyPair } from '../../../test/support/fleet.js';

/** Each case here was accepted before the security review (issue 12) and is refused now. */
describe('fleet input that could hurt the fleet is refused', () => {
  let t: TestAuthApi;
  let admin: string;
  let operator: string;
  let enrollmentKey: string;
  let a: EnrolledNode;
  let b: EnrolledNode;
  beforeAll(async () => {
    t = await startTestAuthApi({ redis: false, env: { ENROLL_LIMIT_PER_IP_PER_MINUTE: '1000' } });
    admin = (await login(t.url)).access_token;
    await call(t.url, 'POST', '/v1/users', { token: admin, body: { username: 'operator1', password: 'operator1-password', role: 'operator' } });
    operator = (await login(t.url, 'operator1', 'operator1-password')).access_token;
    enrollmentKey = (await createEnrollmentKey(t.url, admin, { reusable: true })).key;
    a = await enrollNode(t.url, enrollmentKey, { name: 'node-a', listen_port: 51820 });
    b = await enrollNode(t.url, enrollmentKey, { name: 'node-b' });
  });
  afterAll(async () => {
    await t.close();
  });

  const patchNode = (token: string, id: number, body: Record<string, unknown>) => call(t.url, 'PATCH', `/v1/nodes/${id}`, { token, body });

  it('routes that would capture the fleet → 400 naming each route', async () => {
    expect((await patchNode(operator, b.node_id, { routes: ['10.20.0.0/16'] })).status).toBe(200);
    const cases: Array<[string[], string]> = [
      [['0.0.0.0/0'], 'exit node'],
      [['0.0.0.0/1', '128.0.0.0/1'], 'exit node'],
      [['10.0.0.0/7'], 'exit node'],
      [['100.96.0.0/16'], 'tunnel network'],
      [['100.64.0.0/10'], 'tunnel network'],
      [[`${b.tunnel_ip}/32`], 'tunnel network'],
      [['10.20.5.0/24'], 'node'],
      [['10.0.0.0/8'], 'node'],
      [['172.16.0.0/24', '172.16.0.128/25'], 'routes.0'],
      [['2001:db8::/32'], 'IPv6'],
      [['11.0.0.0/8', '12.0.0.0/8'], 'more than a /8'],
    ];
    for (const [routes, why] of cases) {
      const response = await patchNode(operator, a.node_id, { routes });
      expect({ routes, status: response.status, code: response.body.code }).toEqual({ routes, status: 400, code: 'invalid_request' });
      const errors = response.body.errors as Array<{ path: string; message: string }>;
      expect(errors.every((error) => /^routes\.\d+$/.test(error.path))).toBe(true);
      expect(errors.map((error) => error.message).join(' ')).toContain(why);
    }
    const node = await patchNode(operator, a.node_id, { routes: ['10.30.0.0/16', '192.168.7.0/24'] });
    expect(node.status).toBe(200);
    expect(node.body).toMatchObject({ routes: ['10.30.0.0/16', '192.168.7.0/24'], exit_node: false });
  });

  it('a default route only on a node an admin marked exit_node; operators cannot mark one', async () => {
    const byOperator = await patchNode(operator, a.node_id, { exit_node: true });
    expect(byOperator.status).toBe(403);
    expect((await call(t.url, 'GET', `/v1/nodes/${a.node_id}`, { token: admin })).body.exit_node).toBe(false);
    const marked = await patchNode(admin, a.node_id, { exit_node: true, routes: ['0.0.0.0/0'] });
    expect(marked.status).toBe(200);
    expect(marked.body).toMatchObject({ exit_node: true, routes: ['0.0.0.0/0'] });
    // The exit node's default route leaves other nodes' more specific routes alone…
    expect((await patchNode(operator, b.node_id, { routes: ['10.21.0.0/16'] })).status).toBe(200);
    // …but a second exit node may not announce the very same route.
    expect((await patchNode(admin, b.node_id, { exit_node: true, routes: ['0.0.0.0/0'] })).status).toBe(400);
    // Unmarking a node that still routes 0.0.0.0/0 would leave the route in place: refused.
    const unmark = await patchNode(admin, a.node_id, { exit_node: false });
    expect(unmark.status).toBe(400);
    expect(unmark.body.errors).toEqual([{ path: 'routes.0', message: expect.stringContaining('exit node') }]);
    expect((await patchNode(admin, a.node_id, { exit_node: false, routes: [] })).status).toBe(200);
  });

  it('of two concurrent PATCHes with overlapping routes, at most one passes', async () => {
    const c = await enrollNode(t.url, enrollmentKey, { name: 'node-c' });
    for (let round = 0; round < 5; round += 1) {
      const route = `10.${100 + round}.0.0/16`;
      const answers = await Promise.all([
        patchNode(operator, b.node_id, { routes: [route] }),
        patchNode(operator, c.node_id, { routes: [route] }),
      ]);
      expect(answers.map((answer) => answer.status).sort()).toEqual([200, 400]);
    }
  });

  it("a forward on the node's WireGuard port (udp) → 409; a target that is no node or device → 400", async () => {
    const forward = (body: Record<string, unknown>) =>
      call(t.url, 'POST', `/v1/nodes/${a.node_id}/port-forwards`, { token: operator, body: { protocol: 'udp', target_port: 9000, ...body } });
    const wireguard = await forward({ public_port: 51820, target_ip: b.tunnel_ip });
    expect(wireguard.status).toBe(409);
    expect(wireguard.body.code).toBe('conflict');
    // tcp on the same number is another port.
    expect((await forward({ protocol: 'tcp', public_port: 51820, target_ip: b.tunnel_ip })).status).toBe(201);
    for (const target of ['100.96.0.0', '100.96.255.255', '100.96.200.200']) {
      const response = await forward({ public_port: 7000, target_ip: target });
      expect({ target, status: response.status, errors: response.body.errors }).toEqual({
        target,
        status: 400,
        errors: [{ path: 'target_ip', message: 'must be the tunnel address of an existing node or device' }],
      });
    }
    const template = await call(t.url, 'POST', `/v1/nodes/${a.node_id}/port-forwards/from-template`, { token: operator, body: { template: 'web', target_ip: '100.96.200.200' } });
    expect(template.status).toBe(400);
    const ok = await forward({ public_port: 7000, target_ip: b.tunnel_ip });
    expect(ok.status).toBe(201);
    const patch = (body: Record<string, unknown>) => call(t.url, 'PATCH', `/v1/port-forwards/${ok.body.id}`, { token: operator, body });
    expect((await patch({ public_port: 51820 })).status).toBe(409);
    expect((await patch({ target_ip: '100.96.255.255' })).status).toBe(400);
    expect((await patch({ target_ip: a.tunnel_ip, public_port: 7001 })).status).toBe(200);
    // Nor may the node move its WireGuard port onto the forward: the agent would refuse the config.
    const moved = await patchNode(operator, a.node_id, { listen_port: 7001 });
    expect({ status: moved.status, code: moved.body.code }).toEqual({ status: 409, code: 'conflict' });
    expect((await patchNode(operator, a.node_id, { listen_port: 51821 })).status).toBe(200);
    expect((await patchNode(operator, a.node_id, { listen_port: 51820 })).status).toBe(200);
  });

  it('ping outside the tunnel network → 400, inside → 202', async () => {
    const ping = (target_ip: string) =>
      call(t.url, 'POST', `/v1/nodes/${a.node_id}/commands`, { token: operator, body: { type: 'ping', args: { target_ip } } });
    for (const target of ['192.168.1.1', '8.8.8.8', '100.97.0.1', '::1']) {
      const response = await ping(target);
      expect({ target, status: response.status, errors: response.body.errors }).toEqual({
        target,
        status: 400,
        errors: [{ path: 'args.target_ip', message: expect.any(String) }],
      });
    }
    expect((await ping(b.tunnel_ip)).status).toBe(202);
  });

  it('the all-zero WireGuard key → 400 for nodes and devices', async () => {
    const zero = `${'A'.repeat(43)}=`;
    const enroll = await call(t.url, 'POST', '/v1/nodes/enroll', { body: { enrollment_key: enrollmentKey, name: 'zero', wg_public_key: zero } });
    expect(enroll.status).toBe(400);
    expect(enroll.body.errors).toEqual([{ path: 'wg_public_key', message: expect.stringContaining('all-zero') }]);
    const device = await call(t.url, 'POST', '/v1/devices', { token: operator, body: { name: 'zero', wg_public_key: zero, node_id: a.node_id } });
    expect(device.status).toBe(400);
    const fine = await call(t.url, 'POST', '/v1/devices', { token: operator, body: { name: 'fine', wg_public_key: wgKeyPair().publicKey, node_id: a.node_id } });
    expect(fine.status).toBe(201);
  });
});
