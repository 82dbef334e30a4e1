import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, type JsonResponse, login, startTestAuthApi, type TestAuthApi } from '../../../../test/support/auth-api.js';
import { createEnrollmentKey, type EnrolledNode, enrollNode, nodeToken, wgKeyPair } from '../../../../test/support/fleet.js';

/** CONTRACT §4: one WireGuard public key belongs to at most one node or device of the network. */
describe('one key, one peer across nodes and devices (real Postgres + Redis)', () => {
  let t: TestAuthApi;
  let admin: string;
  let host: EnrolledNode;
  let serial = 0;
  beforeAll(async () => {
    t = await startTestAuthApi({ env: { ENROLL_LIMIT_PER_IP_PER_MINUTE: '1000' } });
    admin = (await login(t.url)).access_token;
    host = await enrollNode(t.url, (await createEnrollmentKey(t.url, admin)).key);
  });
  afterAll(async () => {
    await t.close();
  });

  const enroll = (enrollmentKey: string, publicKey: string) =>
    call(t.url, 'POST', '/v1/nodes/enroll', { body: { enrollment_key: enrollmentKey, name: `keyed-node-${++serial}`, wg_public_key: publicKey } });
  const createDevice = (publicKey: string) =>
    call(t.url, 'POST', '/v1/devices', { token: admin, body: { name: `keyed-device-${++serial}`, wg_public_key: publicKey, node_id: host.node_id } });
  const expectConflict = (response: JsonResponse) => {
    expect(response.status).toBe(409);
    expect(response.body.code).toBe('conflict');
  };

  it("a node cannot enroll with a device's key, and the refused enrollment does not spend its key", async () => {
    const { publicKey } = wgKeyPair();
    expect((await createDevice(publicKey)).status).toBe(201);
    const { key } = await createEnrollmentKey(t.url, admin);
    expectConflict(await enroll(key, publicKey));
    expect((await enroll(key, wgKeyPair().publicKey)).status).toBe(201);
  });

  it("a device cannot take a node's key", async () => {
    expectConflict(await createDevice(host.publicKey));
  });

  it('a node enrolling and a device created with one key at once: exactly one wins, the other gets 409', async () => {
    const { key } = await createEnrollmentKey(t.url, admin, { reusable: true, max_uses: 100 });
    for (let round = 0; round < 5; round += 1) {
      const { publicKey } = wgKeyPair();
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) => (i % 2 === 0 ? enroll(key, publicKey) : createDevice(publicKey))),
      );
      expect(results.filter((result) => result.status === 201)).toHaveLength(1);
      for (const loser of results.filter((result) => result.status !== 201)) expectConflict(loser);
      const holders = await Promise.all(
        ['nodes', 'devices'].map((table) => t.db.knex(table).where({ wg_public_key: publicKey }).select('id')),
      );
      expect(holders.flat()).toHaveLength(1);
    }
  });

  it("the host's config lists every peer key once", async () => {
    const token = await nodeToken(t.url, host);
    const config = await call<{ config: { peers: Array<{ public_key: string }> } }>(t.url, 'GET', '/v1/nodes/self/config', { token });
    expect(config.status).toBe(200);
    const keys = config.body.config.peers.map((peer) => peer.public_key);
    expect(keys.length).toBeGreaterThan(5);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('the all-zero key is refused with 400 for nodes and devices', async () => {
    const zero = `${'A'.repeat(43)}=`;
    const { key } = await createEnrollmentKey(t.url, admin);
    for (const response of [await enroll(key, zero), await createDevice(zero)]) {
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('invalid_request');
    }
  });
});
