import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/db.js';
import { MIGRATION_CONFIG as config, migrateUpTo } from './migrate-up-to.test-suite.js';
import { migrateLatest } from './index.js';

const MIGRATION = '20261205_130_wireguard_keys';
const wgKey = () => randomBytes(32).toString('base64');

describe(`${MIGRATION} on real Postgres`, () => {
  let db: TestDatabase;
  let networkId: number;
  let tunnelHost = 1;
  beforeAll(async () => {
    db = await createTestDatabase({ empty: true });
    await migrateUpTo(db, MIGRATION);
    [{ id: networkId }] = await db.knex('networks').insert({ name: 'default', cidr: '100.96.0.0/16' }).returning('id');
  });
  afterAll(async () => {
    await db.drop();
  });

  const addNode = async (key: string): Promise<number> => {
    const [row] = await db
      .knex('nodes')
      .insert({
        network_id: networkId,
        name: `node-${tunnelHost}`,
        wg_public_key: key,
        tunnel_ip: `100.96.0.${tunnelHost++}`,
        secret_hash: randomBytes(32),
        credential_id: randomUUID(),
      })
      .returning('id');
    return Number(row.id);
  };
  const addDevice = async (nodeId: number, key: string): Promise<number> => {
    const [row] = await db
      .knex('devices')
      .insert({ network_id: networkId, node_id: nodeId, name: `device-${tunnelHost}`, wg_public_key: key, tunnel_ip: `100.96.0.${tunnelHost++}` })
      .returning('id');
    return Number(row.id);
  };
  const registry = async () =>
    (await db.knex('wireguard_keys').orderBy('public_key').select('public_key', 'node_id', 'device_id')).map((row) => ({
      public_key: row.public_key as string,
      node_id: row.node_id === null ? null : Number(row.node_id),
      device_id: row.device_id === null ? null : Number(row.device_id),
    }));

  it('refuses to apply while a key is shared, naming it and its holders, and applies nothing', async () => {
    const shared = wgKey();
    const first = await addNode(shared);
    const second = await addNode(wgKey());
    const twin = await addDevice(second, shared);
    const error = await migrateLatest(db.knex).then(
      () => undefined,
      (caught: unknown) => caught as Error,
    );
    expect(error?.message).toContain(shared);
    expect(error?.message).toContain(`node ${first}`);
    expect(error?.message).toContain(`device ${twin}`);
    expect(await db.knex.schema.hasTable('wireguard_keys')).toBe(false);
    const [, pending] = (await db.knex.migrate.list(config)) as [unknown[], Array<[string, unknown]>];
    expect(pending.map(([name]) => name)).toContain(MIGRATION);
    await db.knex('devices').where({ id: twin }).delete();
  });

  it('backfills every node and device key once the duplicates are gone', async () => {
    const nodes = await db.knex('nodes').select('id', 'wg_public_key');
    const host = Number(nodes[0].id);
    const deviceKey = wgKey();
    const device = await addDevice(host, deviceKey);
    await migrateLatest(db.knex);
    const expected = [
      ...nodes.map((node) => ({ public_key: node.wg_public_key as string, node_id: Number(node.id), device_id: null })),
      { public_key: deviceKey, node_id: null, device_id: device },
    ].sort((a, b) => (a.public_key < b.public_key ? -1 : 1));
    expect(await registry()).toEqual(expected);
  });

  it("after it, a device cannot take a node's key, nor a node a device's, on insert or update", async () => {
    const nodeKey = wgKey();
    const node = await addNode(nodeKey);
    const deviceKey = wgKey();
    await addDevice(node, deviceKey);
    await expect(addDevice(node, nodeKey)).rejects.toMatchObject({ code: '23505', constraint: 'wireguard_keys_pkey' });
    await expect(addNode(deviceKey)).rejects.toMatchObject({ code: '23505', constraint: 'wireguard_keys_pkey' });
    await expect(db.knex('nodes').where({ id: node }).update({ wg_public_key: deviceKey })).rejects.toMatchObject({
      code: '23505',
      constraint: 'wireguard_keys_pkey',
    });
    // A key that changes frees the old one and takes the new one.
    const rotated = wgKey();
    await db.knex('nodes').where({ id: node }).update({ wg_public_key: rotated });
    const keys = (await registry()).map((row) => row.public_key);
    expect(keys).toContain(rotated);
    expect(keys).not.toContain(nodeKey);
  });

  it("deleting a node frees its key and its devices' keys", async () => {
    const nodeKey = wgKey();
    const node = await addNode(nodeKey);
    const deviceKey = wgKey();
    await addDevice(node, deviceKey);
    await db.knex('nodes').where({ id: node }).delete();
    const keys = (await registry()).map((row) => row.public_key);
    expect(keys).not.toContain(nodeKey);
    expect(keys).not.toContain(deviceKey);
    const other = await addNode(wgKey());
    await addDevice(other, nodeKey);
  });
});
