import { type BusEvent, InProcessBus } from '@wirefleet/shared/bus';
import type { IngestRecord } from '@wirefleet/shared/ingest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/db.js';
import {
  captureLogger,
  ingestRecord,
  insertCommand,
  insertNetwork,
  insertNode,
  outboxEvents,
} from './ingest-fixtures.test-suite.js';
import { IngestProcessor } from './ingest-processor.js';

describe('IngestProcessor', () => {
  let db: TestDatabase;
  let networkId: number;
  let bus: InProcessBus;
  let published: BusEvent[];
  let processor: IngestProcessor;
  let pokes: number;
  const log = captureLogger();

  beforeAll(async () => {
    db = await createTestDatabase();
    networkId = await insertNetwork(db.knex);
  });
  afterAll(async () => {
    await db.drop();
  });
  beforeEach(async () => {
    bus = new InProcessBus({ logger: log.logger });
    published = [];
    await bus.subscribe('fleet', (event) => published.push(event));
    pokes = 0;
    processor = new IngestProcessor({ db: db.knex, bus, logger: log.logger, onChange: () => (pokes += 1) });
  });

  const run = (...records: IngestRecord[]) =>
    processor.process(records.map((record, index) => ({ id: `1-${index}`, record })));
  const node = (id: number) => db.knex('nodes').where({ id }).first();
  const events = (nodeId: number) =>
    outboxEvents(db.knex, nodeId).then((rows) => rows.map((row) => [row.event, row.data]));
  const status = {
    applied_revision: 2,
    peers: [{ public_key: 'k1', rx_bytes: 10, tx_bytes: 20 }],
    state_digest: 'd1',
    drift: true,
  };

  it('node.connected: online with the connection, one node.online even when processed twice', async () => {
    const id = await insertNode(db.knex, networkId);
    const record = ingestRecord(
      'node.connected',
      id,
      { ip: '192.0.2.1' },
      { conn_id: 'c-a', ts: Date.now() - 1_000 },
    );
    await run(record);
    await run(record);
    expect(await node(id)).toMatchObject({
      online: true,
      connection_id: 'c-a',
      last_seen_at: new Date(record.ts),
    });
    expect(await events(id)).toEqual([['node.online', { node_id: id }]]);
    expect(pokes).toBe(1);
  });

  it('node.connected of a newer connection takes over without another node.online', async () => {
    const id = await insertNode(db.knex, networkId);
    await run(
      ingestRecord('node.connected', id, {}, { conn_id: 'c-a' }),
      ingestRecord('node.connected', id, {}, { conn_id: 'c-b' }),
    );
    expect(await node(id)).toMatchObject({ online: true, connection_id: 'c-b' });
    expect(await events(id)).toEqual([['node.online', { node_id: id }]]);
  });

  it('node.disconnected: offline with one node.offline, also when processed twice', async () => {
    const id = await insertNode(db.knex, networkId);
    const disconnect = ingestRecord('node.disconnected', id, { code: 1000 }, { conn_id: 'c-a' });
    await run(ingestRecord('node.connected', id, {}, { conn_id: 'c-a' }), disconnect);
    await run(disconnect);
    expect(await node(id)).toMatchObject({ online: false, connection_id: null });
    expect(await events(id)).toEqual([
      ['node.online', { node_id: id }],
      ['node.offline', { node_id: id, reason: 'disconnected' }],
    ]);
  });

  it('a stale disconnect (the node reconnected elsewhere first) leaves the node online', async () => {
    const id = await insertNode(db.knex, networkId);
    await run(
      ingestRecord('node.connected', id, {}, { conn_id: 'c-old', gateway: 'gw-1' }),
      ingestRecord('node.connected', id, {}, { conn_id: 'c-new', gateway: 'gw-2' }),
      ingestRecord('node.disconnected', id, {}, { conn_id: 'c-old', gateway: 'gw-1' }),
    );
    expect(await node(id)).toMatchObject({ online: true, connection_id: 'c-new' });
    expect((await events(id)).map(([event]) => event)).toEqual(['node.online']);
  });

  it('a redelivered connect of a connection that already ended does not bring the node back', async () => {
    const id = await insertNode(db.knex, networkId);
    const ts = Date.now() - 10_000;
    const connect = ingestRecord('node.connected', id, {}, { conn_id: 'c-a', ts });
    await run(
      connect,
      ingestRecord('node.status', id, status, { conn_id: 'c-a', ts: ts + 5_000 }),
      ingestRecord('node.disconnected', id, {}, { conn_id: 'c-a', ts: ts + 6_000 }),
    );
    await run(connect);
    expect(await node(id)).toMatchObject({ online: false, connection_id: null });
    expect((await events(id)).map(([event]) => event)).toEqual(['node.online', 'node.offline']);
  });

  it('node.status: stores the telemetry, announces node.online, publishes node.status once per record', async () => {
    const id = await insertNode(db.knex, networkId);
    const record = ingestRecord('node.status', id, status, { ts: Date.now() - 500 });
    await run(record);
    await run(record);
    expect(await node(id)).toMatchObject({
      online: true,
      connection_id: 'conn-1',
      last_seen_at: new Date(record.ts),
      applied_revision: '2',
      peer_stats: status.peers,
      state_digest: 'd1',
      drift: true,
    });
    expect(await events(id)).toEqual([['node.online', { node_id: id }]]);
    const statuses = published.filter((event) => event.event === 'node.status');
    expect(statuses.map((event) => event.data)).toEqual([
      { node_id: id, applied_revision: 2, drift: true, peers: 1, online: true },
    ]);
  });

  it('an out-of-order older status does not roll the node back', async () => {
    const id = await insertNode(db.knex, networkId);
    const now = Date.now();
    await run(ingestRecord('node.status', id, { ...status, applied_revision: 5 }, { ts: now - 1_000 }));
    await run(
      ingestRecord('node.status', id, { ...status, applied_revision: 4, drift: false }, { ts: now - 20_000 }),
    );
    expect(await node(id)).toMatchObject({
      last_seen_at: new Date(now - 1_000),
      applied_revision: '5',
      drift: true,
    });
    expect(published.filter((event) => event.event === 'node.status')).toHaveLength(1);
  });

  it('node.config_applied: ok raises applied_revision and clears the error, failure records it, each once', async () => {
    const id = await insertNode(db.knex, networkId, { desired_revision: 4, applied_revision: 2 });
    const failed = ingestRecord('node.config_applied', id, { revision: 3, ok: false, error: 'wg: bad key' });
    await run(failed);
    await run(failed);
    expect(await node(id)).toMatchObject({
      applied_revision: '2',
      last_error: 'wg: bad key (revision 3)',
      last_error_revision: '3',
    });
    const ok = ingestRecord('node.config_applied', id, { revision: 4, ok: true });
    await run(ok);
    await run(ok);
    expect(await node(id)).toMatchObject({
      applied_revision: '4',
      last_error: null,
      last_error_revision: null,
    });
    // Old reports redelivered now change nothing.
    await run(failed, ingestRecord('node.config_applied', id, { revision: 3, ok: true }));
    expect(await node(id)).toMatchObject({ applied_revision: '4', last_error: null });
    expect(await events(id)).toEqual([
      ['node.config_applied', { node_id: id, revision: 3, ok: false, error: 'wg: bad key' }],
      ['node.config_applied', { node_id: id, revision: 4, ok: true }],
    ]);
  });

  it('node.config_applied orders reports by the stored error revision, whatever the message says', async () => {
    const id = await insertNode(db.knex, networkId, {
      desired_revision: 7,
      applied_revision: 2,
      last_error: 'reworded, with no revision in it',
      last_error_revision: 5,
    });
    // An older failure does not replace the newer one, an older success does not clear it.
    await run(
      ingestRecord('node.config_applied', id, { revision: 4, ok: false, error: 'older' }),
      ingestRecord('node.config_applied', id, { revision: 4, ok: true }),
    );
    expect(await node(id)).toMatchObject({
      applied_revision: '4',
      last_error: 'reworded, with no revision in it',
      last_error_revision: '5',
    });
    await run(ingestRecord('node.config_applied', id, { revision: 6, ok: false, error: 'newer' }));
    expect(await node(id)).toMatchObject({ last_error: 'newer (revision 6)', last_error_revision: '6' });
    await run(ingestRecord('node.config_applied', id, { revision: 6, ok: true }));
    expect(await node(id)).toMatchObject({
      applied_revision: '6',
      last_error: null,
      last_error_revision: null,
    });
  });

  it('node.config_applied for a revision never issued is ignored', async () => {
    const id = await insertNode(db.knex, networkId, { desired_revision: 2 });
    await run(ingestRecord('node.config_applied', id, { revision: 99, ok: true }));
    expect(await node(id)).toMatchObject({ applied_revision: null });
    expect(await events(id)).toEqual([]);
  });

  it('node.command_result completes the command once with a command.updated event', async () => {
    const id = await insertNode(db.knex, networkId);
    const commandId = await insertCommand(db.knex, id, { status: 'sent' });
    const record = ingestRecord('node.command_result', id, {
      command_id: commandId,
      ok: true,
      output: { rtt_ms: 3 },
    });
    await run(record);
    await run(record);
    const command = await db.knex('commands').where({ id: commandId }).first();
    expect(command).toMatchObject({ status: 'succeeded', result: { output: { rtt_ms: 3 } }, error: null });
    expect(command.completed_at).toBeInstanceOf(Date);
    expect(await events(id)).toEqual([
      ['command.updated', { id: commandId, node_id: id, status: 'succeeded' }],
    ]);
  });

  it("a command result for another node's command is ignored, as is a malformed command id", async () => {
    const owner = await insertNode(db.knex, networkId);
    const other = await insertNode(db.knex, networkId);
    const commandId = await insertCommand(db.knex, owner);
    await run(
      ingestRecord('node.command_result', other, { command_id: commandId, ok: false, error: 'nope' }),
      ingestRecord('node.command_result', other, { command_id: 'not-a-uuid', ok: true }),
      ingestRecord('node.command_result', other, { command_id: 42, ok: true }),
    );
    expect(await db.knex('commands').where({ id: commandId }).first()).toMatchObject({
      status: 'queued',
      completed_at: null,
    });
    expect(await events(owner)).toEqual([]);
    expect(await events(other)).toEqual([]);
  });

  it('skips records of unknown nodes, invalid payloads and values the database refuses', async () => {
    const id = await insertNode(db.knex, networkId);
    await expect(
      run(
        ingestRecord('node.status', 999_999, status),
        ingestRecord('node.status', id, { applied_revision: 'x' }),
        ingestRecord('node.status', id, { ...status, state_digest: 'nul\u0000byte' }),
      ),
    ).resolves.toBeUndefined();
    expect(await node(id)).toMatchObject({ online: false, last_seen_at: null });
    expect(log.lines().some((line) => line.msg === 'ingest record with an invalid payload; skipped')).toBe(
      true,
    );
    expect(log.lines().some((line) => line.msg === 'ingest record refused by the database; skipped')).toBe(
      true,
    );
  });

  it('a Bus failure on the node.status publish does not fail the batch', async () => {
    const id = await insertNode(db.knex, networkId);
    await bus.close();
    await expect(run(ingestRecord('node.status', id, status))).resolves.toBeUndefined();
    expect(await node(id)).toMatchObject({ online: true });
    expect(
      log.lines().some((line) => line.msg === 'publishing node.status failed; dropped (telemetry)'),
    ).toBe(true);
  });

  it('a database failure rejects the batch so that it is delivered again', async () => {
    const broken = await createTestDatabase();
    await broken.drop();
    const failing = new IngestProcessor({ db: broken.knex, bus, logger: log.logger });
    await expect(
      failing.process([{ id: '1-0', record: ingestRecord('node.connected', 1, {}) }]),
    ).rejects.toThrow();
  });
});
