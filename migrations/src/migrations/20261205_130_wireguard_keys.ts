import type { Knex } from 'knex';

/**
 * One WireGuard public key, one peer: `wireguard_keys` holds every node's and device's key,
 * keyed by (network, key), so a key can belong to one of them only (issue 12; CONTRACT §4).
 *
 * Triggers on `nodes` and `devices` keep it, rather than the services, so every writer — the
 * API, the admin CLI, seed scripts, tests that insert rows — is held to it, and a concurrent
 * second insert of a key waits on the first's index entry and then fails with a unique
 * violation of `wireguard_keys_pkey` (the API's 409). Rows go with their owner by
 * `ON DELETE CASCADE`, including a node's devices when the node is deleted.
 */
export async function up(knex: Knex): Promise<void> {
  // No node or device may be written between the duplicate check and the backfill.
  await knex.raw('LOCK TABLE nodes, devices IN SHARE MODE');
  await refuseDuplicates(knex);
  await knex.raw(`
    CREATE TABLE wireguard_keys (
      network_id bigint NOT NULL REFERENCES networks (id),
      public_key text NOT NULL,
      node_id bigint REFERENCES nodes (id) ON DELETE CASCADE,
      device_id bigint REFERENCES devices (id) ON DELETE CASCADE,
      CONSTRAINT wireguard_keys_pkey PRIMARY KEY (network_id, public_key),
      CONSTRAINT wireguard_keys_one_owner CHECK ((node_id IS NULL) <> (device_id IS NULL))
    )`);
  // Also the indexes the cascading deletes look rows up by.
  await knex.raw('CREATE UNIQUE INDEX wireguard_keys_node ON wireguard_keys (node_id) WHERE node_id IS NOT NULL');
  await knex.raw('CREATE UNIQUE INDEX wireguard_keys_device ON wireguard_keys (device_id) WHERE device_id IS NOT NULL');
  await knex.raw(`
    INSERT INTO wireguard_keys (network_id, public_key, node_id, device_id)
    SELECT network_id, wg_public_key, id, NULL FROM nodes
    UNION ALL
    SELECT network_id, wg_public_key, NULL, id FROM devices`);
  await knex.raw(`
    CREATE FUNCTION wireguard_keys_sync() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      owner_column text := CASE TG_TABLE_NAME WHEN 'nodes' THEN 'node_id' ELSE 'device_id' END;
    BEGIN
      IF TG_OP = 'UPDATE' THEN
        EXECUTE format('UPDATE wireguard_keys SET network_id = $1, public_key = $2 WHERE %I = $3', owner_column)
          USING NEW.network_id, NEW.wg_public_key, NEW.id;
      ELSE
        EXECUTE format('INSERT INTO wireguard_keys (network_id, public_key, %I) VALUES ($1, $2, $3)', owner_column)
          USING NEW.network_id, NEW.wg_public_key, NEW.id;
      END IF;
      RETURN NULL;
    END $$`);
  // Column-restricted UPDATE triggers: the frequent revision and presence updates skip them.
  for (const table of ['nodes', 'devices']) {
    await knex.raw(`
      CREATE TRIGGER ${table}_wireguard_key AFTER INSERT OR UPDATE OF wg_public_key, network_id ON ${table}
      FOR EACH ROW EXECUTE FUNCTION wireguard_keys_sync()`);
  }
}

/** Fails the migration (nothing applied) naming every key that more than one peer holds. */
async function refuseDuplicates(knex: Knex): Promise<void> {
  const { rows } = await knex.raw<{ rows: Array<{ network_id: string; public_key: string; owners: string }> }>(`
    SELECT network_id, public_key, string_agg(owner, ', ' ORDER BY owner) AS owners
    FROM (
      SELECT network_id, wg_public_key AS public_key, 'node ' || id AS owner FROM nodes
      UNION ALL
      SELECT network_id, wg_public_key, 'device ' || id FROM devices
    ) AS peer_keys
    GROUP BY network_id, public_key
    HAVING count(*) > 1
    ORDER BY network_id, public_key`);
  if (rows.length === 0) return;
  const list = rows.map((row) => `${row.public_key} (network ${row.network_id}: ${row.owners})`).join('; ');
  throw new Error(
    `cannot make WireGuard keys unique: ${rows.length} key(s) belong to more than one node or device: ${list}. ` +
      'Give each of these peers a key of its own (delete and re-create the device, or delete and re-enroll the node), then migrate again.',
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TRIGGER IF EXISTS devices_wireguard_key ON devices');
  await knex.raw('DROP TRIGGER IF EXISTS nodes_wireguard_key ON nodes');
  await knex.raw('DROP FUNCTION IF EXISTS wireguard_keys_sync()');
  await knex.schema.dropTableIfExists('wireguard_keys');
}
