import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, login, startTestAuthApi, type TestAuthApi } from '../../../../test/support/auth-api.js';
import { createEnrollmentKey, enrollNode, nodeToken, wgKeyPair } from '../../../../test/support/fleet.js';

describe('enrollment keys and enrolling nodes (real Postgres + Redis)', () => {
  let t: TestAuthApi;
  let admin: string;
  beforeAll(async () => {
    t = await startTestAuthApi({ env: { ENROLL_LIMIT_PER_IP_PER_MINUTE: '1000' } });
    admin = (await login(t.url)).access_token;
  });
  afterAll(async () => {
    await t.close();
  });

  const enroll = (key: string, name: string, publicKey = wgKeyPair().publicKey) =>
    call(t.url, 'POST', '/v1/nodes/enroll', { body: { enrollment_key: key, name, wg_public_key: publicKey } });

  it('a key is shown once, listed without its secret, and stored only as prefix + hash', async () => {
    const created = await call(t.url, 'POST', '/v1/enrollment-keys', { token: admin, body: { tags: ['edge'] } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ reusable: false, max_uses: 1, uses: 0, state: 'created', tags: ['edge'] });
    expect(created.body.key).toMatch(/^wfek_[A-Za-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
    const list = await call<{ items: Array<Record<string, unknown>> }>(t.url, 'GET', '/v1/enrollment-keys', { token: admin });
    expect(JSON.stringify(list.body)).not.toContain((created.body.key as string).split('_')[2]);
    const row = await t.db.knex('enrollment_keys').where({ id: created.body.id }).first();
    expect(JSON.stringify(row)).not.toContain((created.body.key as string).split('_')[2]);
  });

  it('enrolls: node id, secret, tunnel address in the network, gateway URL; the secret yields a node token', async () => {
    const { key } = await createEnrollmentKey(t.url, admin);
    const node = await enrollNode(t.url, key, { region: 'eu-west', endpoint: 'vpn1.example.com:51820' });
    expect(node).toMatchObject({ network_cidr: '100.96.0.0/16', gateway_url: 'ws://127.0.0.1:9000/ws' });
    expect(node.tunnel_ip).toMatch(/^100\.96\.\d+\.\d+$/);
    expect(node.node_secret).toMatch(/^wfns_/);
    const token = await nodeToken(t.url, node);
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
    expect(claims).toMatchObject({ sub: `node:${node.node_id}`, role: 'node' });
    const wrong = await call(t.url, 'POST', '/v1/nodes/token', { body: { node_id: node.node_id, node_secret: 'wfns_wrong' } });
    expect(wrong.status).toBe(401);
    expect(wrong.body.code).toBe('invalid_node_credentials');
    const types = (await t.db.knex('audit_events').select('type')).map((r) => r.type);
    expect(types).toEqual(expect.arrayContaining(['enrollment_key.created', 'enrollment_key.used', 'node.enrolled']));
  });

  it('20 concurrent enrollments with one one-time key → exactly one node', async () => {
    const { key } = await createEnrollmentKey(t.url, admin);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => enroll(key, `race-${i}`)));
    expect(results.map((r) => `${r.status} ${r.body?.code ?? ""}`)).toContain("201 ");
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    for (const r of results.filter((r) => r.status !== 201)) {
      expect(r.status).toBe(401);
      expect(r.body.code).toBe('invalid_enrollment_key');
    }
    const nodes = await t.db.knex('nodes').where('name', 'like', 'race-%');
    expect(nodes).toHaveLength(1);
    const listed = await call<{ items: Array<{ state: string; uses: number }> }>(t.url, 'GET', '/v1/enrollment-keys', { token: admin });
    expect(listed.body.items.some((k) => k.state === 'used' && k.uses === 1)).toBe(true);
  });

  it('50 concurrent enrollments with a reusable key never share an address', async () => {
    const { key } = await createEnrollmentKey(t.url, admin, { reusable: true, max_uses: 50 });
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => enroll(key, `many-${i}`)));
    expect(results.every((r) => r.status === 201)).toBe(true);
    const addresses = results.map((r) => r.body.tunnel_ip as string);
    expect(new Set(addresses).size).toBe(50);
    expect((await enroll(key, 'one-too-many')).status).toBe(401);
  });

  it('revoked and expired keys are refused; a failed enrollment does not spend the key', async () => {
    const { id, key } = await createEnrollmentKey(t.url, admin);
    const taken = (await t.db.knex('nodes').first('wg_public_key')).wg_public_key as string;
    const conflict = await enroll(key, 'dup-key', taken);
    expect(conflict.status).toBe(409);
    expect((await enroll(key, 'after-conflict')).status).toBe(201);

    const revokedKey = await createEnrollmentKey(t.url, admin);
    expect((await call(t.url, 'DELETE', `/v1/enrollment-keys/${revokedKey.id}`, { token: admin })).status).toBe(204);
    expect((await enroll(revokedKey.key, 'revoked')).body.code).toBe('invalid_enrollment_key');
    await t.db.knex('enrollment_keys').where({ id }).update({ expires_at: new Date(Date.now() - 1000) });
    const expired = await createEnrollmentKey(t.url, admin);
    await t.db.knex('enrollment_keys').where({ id: expired.id }).update({ expires_at: new Date(Date.now() - 1000) });
    expect((await enroll(expired.key, 'expired')).body.code).toBe('invalid_enrollment_key');
    expect((await enroll('wfek_garbage', 'garbage')).body.code).toBe('invalid_enrollment_key');
  });

  it('validates every field: bad keys, names, endpoints, ports', async () => {
    const { key } = await createEnrollmentKey(t.url, admin);
    const bad = await call(t.url, 'POST', '/v1/nodes/enroll', {
      body: { enrollment_key: key, name: 'bad name; rm -rf', wg_public_key: 'not-a-key', endpoint: 'host', listen_port: 70000 },
    });
    expect(bad.status).toBe(400);
    const paths = (bad.body.errors as Array<{ path: string }>).map((e) => e.path).sort();
    expect(paths).toEqual(['endpoint', 'listen_port', 'name', 'wg_public_key']);
    // The key was not spent by the invalid request.
    expect((await enroll(key, 'valid-after-bad')).status).toBe(201);
  });

  it('operators and viewers cannot manage enrollment keys', async () => {
    await call(t.url, 'POST', '/v1/users', { token: admin, body: { username: 'op', password: 'operator-password-1', role: 'operator' } });
    const operator = (await login(t.url, 'op', 'operator-password-1')).access_token;
    expect((await call(t.url, 'POST', '/v1/enrollment-keys', { token: operator, body: {} })).status).toBe(403);
    expect((await call(t.url, 'GET', '/v1/enrollment-keys', { token: operator })).status).toBe(403);
  });
});
