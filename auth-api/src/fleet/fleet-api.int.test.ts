import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, login, startTestAuthApi, type TestAuthApi } from '../../../test/support/auth-api.js';
import { createEnrollmentKey, type EnrolledNode, enrollNode, nodeToken, wgKeyPair } from '../../../test/support/fleet.js';

describe('fleet API: roles, validation, placement, IPAM limits', () => {
  let t: TestAuthApi;
  let admin: string;
  let operator: string;
  let viewer: string;
  let eu1: EnrolledNode;
  let eu2: EnrolledNode;
  beforeAll(async () => {
    t = await startTestAuthApi({ env: { ENROLL_LIMIT_PER_IP_PER_MINUTE: '1000', COMMAND_TTL_SECONDS: '60' } });
    admin = (await login(t.url)).access_token;
    for (const [username, role] of [
      ['operator1', 'operator'],
      ['viewer1', 'viewer'],
    ]) {
      await call(t.url, 'POST', '/v1/users', { token: admin, body: { username, password: `${username}-password`, role } });
    }
    operator = (await login(t.url, 'operator1', 'operator1-password')).access_token;
    viewer = (await login(t.url, 'viewer1', 'viewer1-password')).access_token;
    const { key } = await createEnrollmentKey(t.url, admin, { reusable: true });
    eu1 = await enrollNode(t.url, key, { name: 'eu-1', region: 'eu', endpoint: '198.51.100.1:51820' });
    eu2 = await enrollNode(t.url, key, { name: 'eu-2', region: 'eu', endpoint: '198.51.100.2:51820' });
    // One row per statement: a two-row UPDATE locks its rows in scan order, and the outbox relay,
    // announcing the enrollments meanwhile, locks them in id order; the two can deadlock.
    for (const node of [eu1, eu2])
      await t.db.knex('nodes').where({ id: node.node_id }).update({ online: true, last_seen_at: new Date() });
  });
  afterAll(async () => {
    await t.close();
  });

  it('a viewer reads but cannot change anything; an operator cannot manage keys or users', async () => {
    expect((await call(t.url, 'GET', '/v1/nodes', { token: viewer })).status).toBe(200);
    expect((await call(t.url, 'GET', `/v1/nodes/${eu1.node_id}`, { token: viewer })).status).toBe(200);
    // Reading is viewer and up everywhere (CONTRACT §4): forwards, devices, templates, commands.
    for (const route of ['/v1/devices', `/v1/devices?node_id=${eu1.node_id}`, '/v1/service-templates', `/v1/nodes/${eu1.node_id}/port-forwards`, `/v1/nodes/${eu1.node_id}/commands`]) {
      const response = await call(t.url, 'GET', route, { token: viewer });
      expect({ route, status: response.status }).toEqual({ route, status: 200 });
    }
    const writes: Array<[string, string, unknown]> = [
      ['PATCH', `/v1/nodes/${eu1.node_id}`, { name: 'x' }],
      ['DELETE', `/v1/nodes/${eu1.node_id}`, undefined],
      ['POST', '/v1/devices', { name: 'd', wg_public_key: wgKeyPair().publicKey, node_id: eu1.node_id }],
      ['POST', `/v1/nodes/${eu1.node_id}/port-forwards`, { protocol: 'tcp', public_port: 1, target_ip: eu2.tunnel_ip, target_port: 1 }],
      ['POST', `/v1/nodes/${eu1.node_id}/commands`, { type: 'reconcile' }],
      ['POST', '/v1/enrollment-keys', {}],
    ];
    for (const [method, route, body] of writes) {
      const response = await call(t.url, method, route, { token: viewer, body });
      expect({ route, status: response.status }).toEqual({ route, status: 403 });
    }
    for (const [method, route] of [
      ['POST', '/v1/enrollment-keys'],
      ['GET', '/v1/enrollment-keys'],
      ['GET', '/v1/users'],
      ['GET', '/v1/audit-events'],
    ] as const) {
      const response = await call(t.url, method, route, { token: operator, body: method === 'POST' ? {} : undefined });
      expect({ route, status: response.status }).toEqual({ route, status: 403 });
    }
  });

  it('refuses malformed keys, CIDRs, ports and IPs, and targets outside the network', async () => {
    const patch = await call(t.url, 'PATCH', `/v1/nodes/${eu1.node_id}`, {
      token: operator,
      body: { routes: ['10.0.0.1/24', 'nonsense'], listen_port: 0, endpoint: 'a b:1' },
    });
    expect(patch.status).toBe(400);
    expect((patch.body.errors as Array<{ path: string }>).map((e) => e.path).sort()).toEqual(['endpoint', 'listen_port', 'routes.0', 'routes.1']);
    const forward = (body: Record<string, unknown>) =>
      call(t.url, 'POST', `/v1/nodes/${eu1.node_id}/port-forwards`, { token: operator, body });
    const outside = await forward({ protocol: 'tcp', public_port: 8080, target_ip: '192.168.1.10', target_port: 80 });
    expect(outside.status).toBe(400);
    expect(outside.body.errors).toEqual([{ path: 'target_ip', message: 'must be a tunnel address in 100.96.0.0/16' }]);
    const garbage = await forward({ protocol: 'icmp', public_port: 70000, target_ip: '1.2.3', target_port: -1, description: 'x'.repeat(500) });
    expect((garbage.body.errors as Array<{ path: string }>).map((e) => e.path).sort()).toEqual([
      'description',
      'protocol',
      'public_port',
      'target_ip',
      'target_port',
    ]);
    const ok = await forward({ protocol: 'udp', public_port: 2302, target_ip: eu2.tunnel_ip, target_port: 2302 });
    expect(ok.status).toBe(201);
    const duplicate = await forward({ protocol: 'udp', public_port: 2302, target_ip: eu2.tunnel_ip, target_port: 2303 });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.code).toBe('conflict');
    const badKey = await call(t.url, 'POST', '/v1/devices', { token: operator, body: { name: 'dev', wg_public_key: 'AAAA', node_id: eu1.node_id } });
    expect(badKey.body.errors).toEqual([{ path: 'wg_public_key', message: 'a WireGuard key is 32 bytes in base64 (44 characters)' }]);
    const badCommand = await call(t.url, 'POST', `/v1/nodes/${eu1.node_id}/commands`, {
      token: operator,
      body: { type: 'ping', args: { target_ip: '8.8.8.8; reboot' } },
    });
    expect(badCommand.status).toBe(400);
    const unknownCommand = await call(t.url, 'POST', `/v1/nodes/${eu1.node_id}/commands`, { token: operator, body: { type: 'shell', args: { cmd: 'id' } } });
    expect(unknownCommand.status).toBe(400);
  });

  it('templates: the seeded set, and one call creates every port of a template; a clash creates none', async () => {
    const templates = await call<{ items: Array<{ name: string }> }>(t.url, 'GET', '/v1/service-templates', { token: operator });
    expect(templates.body.items.map((item) => item.name)).toEqual(['dayz', 'minecraft', 'rdp', 'web']);
    const dayz = await call<{ items: Array<{ protocol: string; public_port: number }> }>(
      t.url,
      'POST',
      `/v1/nodes/${eu2.node_id}/port-forwards/from-template`,
      { token: operator, body: { template: 'dayz', target_ip: eu1.tunnel_ip } },
    );
    expect(dayz.status).toBe(201);
    expect(dayz.body.items.map((item) => `${item.protocol}/${item.public_port}`)).toEqual(['udp/2302', 'udp/2303', 'udp/2304', 'udp/2305']);
    const again = await call(t.url, 'POST', `/v1/nodes/${eu2.node_id}/port-forwards/from-template`, {
      token: operator,
      body: { template: 'dayz', target_ip: eu1.tunnel_ip },
    });
    expect(again.status).toBe(409);
    const listed = await call<{ items: unknown[] }>(t.url, 'GET', `/v1/nodes/${eu2.node_id}/port-forwards`, { token: operator });
    expect(listed.body.items).toHaveLength(4);
  });

  it('devices by region land on the online node with the fewest devices, also when created concurrently', async () => {
    const created = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        call(t.url, 'POST', '/v1/devices', { token: operator, body: { name: `laptop-${i}`, wg_public_key: wgKeyPair().publicKey, region: 'eu' } }),
      ),
    );
    expect(created.every((response) => response.status === 201)).toBe(true);
    const perNode = new Map<number, number>();
    for (const response of created) perNode.set(response.body.node_id as number, (perNode.get(response.body.node_id as number) ?? 0) + 1);
    expect([...perNode.values()]).toEqual([3, 3]);
    const config = created[0]!.body.client_config as string;
    expect(config).toContain(`Address = ${created[0]!.body.tunnel_ip}/32`);
    expect(config).toMatch(/Endpoint = 198\.51\.100\.[12]:51820/);
    const onEu1 = await call(t.url, 'GET', `/v1/devices?node_id=${eu1.node_id}`, { token: viewer });
    expect((onEu1.body.items as Array<{ node_id: number }>).map((d) => d.node_id)).toEqual([eu1.node_id, eu1.node_id, eu1.node_id]);
    expect((await call(t.url, 'GET', '/v1/devices?node_id=0', { token: viewer })).status).toBe(400);
    const none = await call(t.url, 'POST', '/v1/devices', { token: operator, body: { name: 'nowhere', wg_public_key: wgKeyPair().publicKey, region: 'mars' } });
    expect(none.status).toBe(409);
    expect(none.body.code).toBe('no_nodes_available_in_region');
  });

  it("lists a node's commands newest first, page by page, to a viewer", async () => {
    const ids: string[] = [];
    for (const type of ['wg_show', 'reconcile', 'wg_show']) {
      ids.push((await call(t.url, 'POST', `/v1/nodes/${eu2.node_id}/commands`, { token: operator, body: { type } })).body.id as string);
    }
    const first = await call(t.url, 'GET', `/v1/nodes/${eu2.node_id}/commands?limit=2`, { token: viewer });
    expect(first.status).toBe(200);
    const firstItems = first.body.items as Array<{ id: string; node_id: number }>;
    expect(firstItems.map((c) => c.id)).toEqual([ids[2], ids[1]]);
    const rest = await call(t.url, 'GET', `/v1/nodes/${eu2.node_id}/commands?limit=2&cursor=${first.body.next_cursor}`, { token: viewer });
    expect((rest.body.items as Array<{ id: string }>).map((c) => c.id)).toEqual([ids[0]]);
    expect(rest.body.next_cursor).toBeUndefined();
    expect((await call(t.url, 'GET', '/v1/nodes/999999/commands', { token: viewer })).status).toBe(404);
    const badCursor = await call(t.url, 'GET', `/v1/nodes/${eu2.node_id}/commands?cursor=nonsense`, { token: viewer });
    expect(badCursor.body.code).toBe('invalid_request');
  });

  it('a node fetches what it still has to run: open, unexpired, oldest first, and those become sent', async () => {
    const node = await enrollNode(t.url, (await createEnrollmentKey(t.url, admin)).key, { name: 'cmd-1', region: 'us' });
    const token = await nodeToken(t.url, node);
    const create = async (type: string) =>
      (await call(t.url, 'POST', `/v1/nodes/${node.node_id}/commands`, { token: operator, body: { type } })).body.id as string;
    const [done, open1, expired, open2] = [await create('wg_show'), await create('reconcile'), await create('wg_show'), await create('wg_show')];
    await t.db.knex('commands').where({ id: done }).update({ status: 'succeeded', completed_at: new Date() });
    await t.db.knex('commands').where({ id: expired }).update({ expires_at: new Date(Date.now() - 1000) });

    const pending = await call(t.url, 'GET', '/v1/nodes/self/commands', { token });
    expect(pending.status).toBe(200);
    expect(pending.headers.get('cache-control')).toBe('no-store');
    const items = pending.body.items as Array<Record<string, unknown>>;
    expect(items.map((c) => c.id)).toEqual([open1, open2]);
    expect(Object.keys(items[0]!).sort()).toEqual(['args', 'expires_at', 'id', 'type']);
    for (const id of [open1, open2]) {
      const command = await call(t.url, 'GET', `/v1/commands/${id}`, { token: viewer });
      expect(command.body.status).toBe('sent');
      expect(command.body.sent_at).not.toBeNull();
    }
    // Only nodes ask for their own commands.
    expect((await call(t.url, 'GET', '/v1/nodes/self/commands', { token: operator })).status).toBe(403);
  });

  it('commands expire after their TTL', async () => {
    const created = await call(t.url, 'POST', `/v1/nodes/${eu1.node_id}/commands`, { token: operator, body: { type: 'wg_show' } });
    expect(created.status).toBe(202);
    await t.db.knex('commands').where({ id: created.body.id }).update({ expires_at: new Date(Date.now() - 1000) });
    await expect
      .poll(async () => (await call(t.url, 'GET', `/v1/commands/${created.body.id}`, { token: viewer })).body.status, { timeout: 15_000 })
      .toBe('expired');
  });
});

describe('a small network runs out of addresses', () => {
  let t: TestAuthApi;
  beforeAll(async () => {
    t = await startTestAuthApi({ redis: false, env: { FLEET_NETWORK_CIDR: '10.77.0.0/29', ENROLL_LIMIT_PER_IP_PER_MINUTE: '1000' } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('a /29 holds 6 nodes; the 7th enrollment is 409 network_full and does not spend its key', async () => {
    const admin = (await login(t.url)).access_token;
    const { key } = await createEnrollmentKey(t.url, admin, { reusable: true, max_uses: 7 });
    const addresses: string[] = [];
    for (let i = 0; i < 6; i += 1) addresses.push((await enrollNode(t.url, key, { name: `n${i}` })).tunnel_ip);
    expect(addresses).toEqual(['10.77.0.1', '10.77.0.2', '10.77.0.3', '10.77.0.4', '10.77.0.5', '10.77.0.6']);
    const full = await call(t.url, 'POST', '/v1/nodes/enroll', { body: { enrollment_key: key, name: 'n6', wg_public_key: wgKeyPair().publicKey } });
    expect(full.status).toBe(409);
    expect(full.body.code).toBe('network_full');
    const keyRow = await t.db.knex('enrollment_keys').first('uses');
    expect(keyRow.uses).toBe(6);
  });
});
