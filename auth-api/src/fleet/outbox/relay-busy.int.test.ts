import { InProcessBus } from '@wirefleet/shared/bus';
import { createLogger } from '@wirefleet/shared/logging';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/db.js';
import { enqueue } from './outbox.js';
import { OutboxRelay } from './relay.js';

describe('the outbox relay when another instance is mid-pass', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  it('a poke that finds the lock taken tries again within moments, not at the next tick', async () => {
    const bus = new InProcessBus();
    const seen: unknown[] = [];
    await bus.subscribe('gateway:test', (event) => seen.push(event));
    // No tick for a minute: only the busy retry can publish within the test.
    const relay = new OutboxRelay(db.knex, bus, createLogger({ service: 'test', level: 'silent' }), 60_000);
    await relay.flush();

    // "Another instance": a transaction holding the relay's advisory lock for 300 ms.
    const otherPass = db.knex.transaction(async (trx) => {
      await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', ['wirefleet.outbox.relay']);
      await enqueue(db.knex, [{ room: 'gateway:test', event: 'revoked', data: { n: 1 } }]);
      relay.poke();
      await new Promise((resolve) => setTimeout(resolve, 300));
    });
    await otherPass;
    // Published once the lock is free: the 60 s tick could not have done it.
    await expect.poll(() => seen.length, { timeout: 5_000, interval: 20 }).toBe(1);
    await relay.stop();
  });
});
