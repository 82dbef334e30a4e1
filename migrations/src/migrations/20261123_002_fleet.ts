import type { Knex } from 'knex';

/**
 * The fleet: one network (tunnel CIDR), nodes that run the agent, devices (plain peers),
 * port forwards, commands, and the outbox that carries announcements to the Bus.
 * Addresses are `inet`/`cidr`, so IPv6 networks need no schema change.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('networks', (t) => {
    t.bigIncrements('id').primary();
    t.text('name').notNullable().unique();
    t.specificType('cidr', 'cidr').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('enrollment_keys', (t) => {
    t.uuid('id').primary();
    // The key is `wfek_<prefix>_<secret>`; only the prefix (for lookup) and SHA-256 of the secret are kept.
    t.text('prefix').notNullable().unique();
    t.binary('secret_hash').notNullable();
    t.boolean('reusable').notNullable().defaultTo(false);
    t.integer('max_uses'); // null: unlimited (reusable keys only)
    t.integer('uses').notNullable().defaultTo(0);
    t.specificType('tags', 'text[]').notNullable().defaultTo('{}');
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('revoked_at', { useTz: true });
    t.text('created_by');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('last_used_at', { useTz: true });
  });

  await knex.schema.createTable('nodes', (t) => {
    t.bigIncrements('id').primary();
    t.bigInteger('network_id').notNullable().references('networks.id');
    t.text('name').notNullable();
    t.text('region');
    t.text('hostname');
    t.text('agent_version');
    t.text('wg_public_key').notNullable().unique();
    t.text('endpoint');
    t.integer('listen_port').notNullable().defaultTo(51820);
    t.specificType('tunnel_ip', 'inet').notNullable();
    t.specificType('routes', 'cidr[]').notNullable().defaultTo('{}');
    t.specificType('tags', 'text[]').notNullable().defaultTo('{}');
    t.binary('secret_hash').notNullable();
    // Changes with every new secret: access tokens carry it as `sid`, so old ones die with it.
    t.uuid('credential_id').notNullable();
    t.uuid('enrollment_key_id').references('enrollment_keys.id').onDelete('SET NULL');
    t.bigInteger('desired_revision').notNullable().defaultTo(1);
    // The newest revision the relay has announced (config.changed); lags desired while Redis is down.
    t.bigInteger('announced_revision').notNullable().defaultTo(0);
    t.bigInteger('applied_revision');
    t.boolean('online').notNullable().defaultTo(false);
    t.text('connection_id');
    t.timestamp('last_seen_at', { useTz: true });
    t.text('last_error');
    t.jsonb('peer_stats').notNullable().defaultTo('[]');
    t.text('state_digest');
    t.boolean('drift').notNullable().defaultTo(false);
    t.timestamps(true, true);
    t.unique(['network_id', 'name']);
    t.unique(['network_id', 'tunnel_ip']);
    t.index(['network_id', 'region']);
  });
  // No index on the pending-announcement predicate: it would make every revision bump a
  // non-HOT update of all indexes; the relay's scan of one network's nodes is cheap.

  await knex.schema.createTable('devices', (t) => {
    t.bigIncrements('id').primary();
    t.bigInteger('network_id').notNullable().references('networks.id');
    t.bigInteger('node_id').notNullable().references('nodes.id').onDelete('CASCADE');
    t.text('name').notNullable();
    t.text('wg_public_key').notNullable().unique();
    t.specificType('tunnel_ip', 'inet').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['network_id', 'tunnel_ip']);
    t.index(['node_id']);
  });

  // IPAM: one row per used address of a network, whoever holds it (node or device).
  await knex.schema.createTable('ip_allocations', (t) => {
    t.bigInteger('network_id').notNullable().references('networks.id');
    t.specificType('address', 'inet').notNullable();
    t.text('owner_kind').notNullable().checkIn(['node', 'device'], 'ip_allocations_owner_kind_check');
    t.bigInteger('owner_id').notNullable();
    t.primary(['network_id', 'address']);
  });

  await knex.schema.createTable('port_forwards', (t) => {
    t.bigIncrements('id').primary();
    t.bigInteger('node_id').notNullable().references('nodes.id').onDelete('CASCADE');
    t.text('protocol').notNullable().checkIn(['tcp', 'udp'], 'port_forwards_protocol_check');
    t.integer('public_port').notNullable();
    t.specificType('target_ip', 'inet').notNullable();
    t.integer('target_port').notNullable();
    // Free text for people; stored and served verbatim, never rendered into a firewall rule.
    t.text('description');
    t.boolean('enabled').notNullable().defaultTo(true);
    t.timestamps(true, true);
    t.unique(['node_id', 'protocol', 'public_port']);
  });

  await knex.schema.createTable('service_templates', (t) => {
    t.text('name').primary();
    t.text('description').notNullable();
    t.jsonb('ports').notNullable(); // [{protocol, port}]
  });
  await knex('service_templates').insert([
    { name: 'minecraft', description: 'Minecraft Java server', ports: JSON.stringify([{ protocol: 'tcp', port: 25565 }]) },
    {
      name: 'web',
      description: 'HTTP and HTTPS',
      ports: JSON.stringify([
        { protocol: 'tcp', port: 80 },
        { protocol: 'tcp', port: 443 },
      ]),
    },
    { name: 'rdp', description: 'Remote Desktop', ports: JSON.stringify([{ protocol: 'tcp', port: 3389 }]) },
    {
      name: 'dayz',
      description: 'DayZ server (game, query and BattlEye ports)',
      ports: JSON.stringify([2302, 2303, 2304, 2305].map((port) => ({ protocol: 'udp', port }))),
    },
  ]);

  await knex.schema.createTable('commands', (t) => {
    t.uuid('id').primary();
    t.bigInteger('node_id').notNullable().references('nodes.id').onDelete('CASCADE');
    t.text('type').notNullable();
    t.jsonb('args').notNullable().defaultTo('{}');
    t.text('status').notNullable().defaultTo('queued');
    t.jsonb('result');
    t.text('error');
    t.text('created_by');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('sent_at', { useTz: true });
    t.timestamp('completed_at', { useTz: true });
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.index(['node_id', 'created_at']);
  });
  await knex.raw(`ALTER TABLE commands ADD CONSTRAINT commands_status_check
    CHECK (status IN ('queued', 'sent', 'succeeded', 'failed', 'expired'))`);
  await knex.raw(`CREATE INDEX commands_open ON commands (expires_at) WHERE status IN ('queued', 'sent')`);

  // Transactional outbox: rows written in the same transaction as the change they announce,
  // published to the Bus by the relay, deleted once published.
  await knex.schema.createTable('outbox_events', (t) => {
    t.bigIncrements('id').primary();
    t.text('room').notNullable();
    t.text('event').notNullable();
    t.jsonb('data').notNullable();
    // Set for `command` events: the relay marks the command `sent` when it went out.
    t.uuid('command_id');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'outbox_events',
    'commands',
    'service_templates',
    'port_forwards',
    'ip_allocations',
    'devices',
    'nodes',
    'enrollment_keys',
    'networks',
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
}
