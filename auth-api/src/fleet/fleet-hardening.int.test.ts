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
