import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/db.js';
import {
  captureLogger,
  insertCommand,
  insertNetwork,
  insertNode,
  outboxEvents,
} from './ingest-fixtures.test-suite.js';
import { OfflineSweeper } from './offline-sweeper.js';

describe('OfflineSweeper', () => {
  let db: TestDatabase;
  let networkId: number;
  let pokes: number;
  let sweeper: OfflineSweeper;
  const log = captureLogger();

  beforeAll(async () => {
    db = await createTestDatabase();
    networkId = await insertNetwork(db.knex);
  });
  afterAll(async () => {
    await db.drop();
  });
  beforeEach(async () => {
    await db.knex('outbox_events').delete();
    await db.knex('nodes').update({ online: false, connection_id: null });
    pokes = 0;
    sweeper = new OfflineSweeper({ db: db.knex, logger: log.logger, onChange: () => (pokes += 1) });
  });

  const ago = (ms: number) => new Date(Date.now() - ms);
  const node = (id: number) => db.knex('nodes').where({ id }).first();

  it('marks a node with old heartbeats offline once, with one node.offline; a fresh node stays online', async () => {
    const stale = await insertNode(db.knex, networkId, {
      online: true,
      connection_id: 'c-1',
      last_seen_at: ago(40_000),
    });
    const fresh = await insertNode(db.knex, networkId, {
      online: true,
      connection_id: 'c-2',
      last_seen_at: ago(5_000),
    });
    expect(await sweeper.sweepOnce()).toEqual({ offline: 1, expired: 0 });
    expect(await sweeper.sweepOnce()).toEqual({ offline: 0, expired: 0 });
    expect(await node(stale)).toMatchObject({ online: false, connection_id: null });
    expect(await node(fresh)).toMatchObject({ online: true, connection_id: 'c-2' });
    expect(await outboxEvents(db.knex)).toEqual([
      { room: 'fleet', event: 'node.offline', data: { node_id: stale, reason: 'heartbeat_timeout' } },
    ]);
    expect(pokes).toBe(1);
  });

  it('honours staleAfterMs', async () => {
    const id = await insertNode(db.knex, networkId, { online: true, last_seen_at: ago(3_000) });
    const strict = new OfflineSweeper({ db: db.knex, logger: log.logger, staleAfterMs: 1_000 });
    expect(await strict.sweepOnce()).toEqual({ offline: 1, expired: 0 });
    expect(await node(id)).toMatchObject({ online: false });
  });

  it('expires open commands past expires_at with command.updated events, and only those', async () => {
    const id = await insertNode(db.knex, networkId);
    const queued = await insertCommand(db.knex, id, { expires_at: ago(1_000) });
    const sent = await insertCommand(db.knex, id, { status: 'sent', expires_at: ago(1_000) });
    const done = await insertCommand(db.knex, id, { status: 'succeeded', expires_at: ago(1_000) });
    const open = await insertCommand(db.knex, id, { expires_at: new Date(Date.now() + 60_000) });
    expect(await sweeper.sweepOnce()).toEqual({ offline: 0, expired: 2 });
    expect(await sweeper.sweepOnce()).toEqual({ offline: 0, expired: 0 });
    const statuses = Object.fromEntries(
      (await db.knex('commands').where({ node_id: id }).select('id', 'status', 'completed_at')).map((row) => [
        row.id,
        row,
      ]),
    );
    expect(statuses[queued]).toMatchObject({ status: 'expired', completed_at: expect.any(Date) });
    expect(statuses[sent]).toMatchObject({ status: 'expired', completed_at: expect.any(Date) });
    expect(statuses[done]).toMatchObject({ status: 'succeeded', completed_at: null });
    expect(statuses[open]).toMatchObject({ status: 'queued', completed_at: null });
    const events = await outboxEvents(db.knex);
    expect(events).toHaveLength(2);
    expect(events).toEqual(
      expect.arrayContaining([
        { room: 'fleet', event: 'command.updated', data: { id: queued, node_id: id, status: 'expired' } },
        { room: 'fleet', event: 'command.updated', data: { id: sent, node_id: id, status: 'expired' } },
      ]),
    );
    expect(pokes).toBe(1);
  });

  it('sweeps periodically between start() and stop()', async () => {
    const id = await insertNode(db.knex, networkId, { online: true, last_seen_at: ago(60_000) });
    const periodic = new OfflineSweeper({ db: db.knex, logger: log.logger, intervalMs: 50 });
    periodic.start();
    try {
      await expect.poll(async () => (await node(id)).online).toBe(false);
      await db.knex('nodes').where({ id }).update({ online: true });
      await expect.poll(async () => (await node(id)).online).toBe(false);
    } finally {
      await periodic.stop();
    }
    expect(await outboxEvents(db.knex, id)).toHaveLength(2);
  });
});
