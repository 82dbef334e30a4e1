import type { Knex } from 'knex';
import { Gauge, type Registry } from 'prom-client';

interface NodeRow {
  id: number;
  name: string;
  online: boolean;
  desired_revision: number;
  applied_revision: number | null;
}

interface OutboxRow {
  events: number;
  unannounced: number;
  oldest_seconds: number | null;
}

/** One read per scrape, shared by the gauges that need it (they are collected together). */
function sharedRead<T>(read: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= read().finally(() => {
      pending = undefined;
    });
    return pending;
  };
}

/**
 * The fleet's state as gauges, read from the database at each scrape, for the alerts in
 * infra/prometheus (a node offline, a node behind its desired revision, an outbox that does
 * not drain). Every auth-api instance serves the same figures: alert on `max by (node_id)`.
 */
export function registerFleetGauges(registry: Registry, db: Knex, networkId: number): void {
  const registers = [registry];
  const nodes = sharedRead(() =>
    db('nodes')
      .where({ network_id: networkId })
      .select<NodeRow[]>('id', 'name', 'online', 'desired_revision', 'applied_revision'),
  );
  const perNode = (name: string, help: string, value: (row: NodeRow) => number | undefined) =>
    new Gauge({
      name,
      help,
      labelNames: ['node_id', 'node'] as const,
      registers,
      async collect() {
        this.reset();
        for (const row of await nodes()) {
          const current = value(row);
          if (current !== undefined) this.set({ node_id: String(row.id), node: row.name }, current);
        }
      },
    });
  perNode('wirefleet_node_online', 'Whether the node has a live gateway connection (1) or not (0)', (row) =>
    row.online ? 1 : 0,
  );
  perNode('wirefleet_node_desired_revision', 'The configuration revision the node should run', (row) =>
    Number(row.desired_revision),
  );
  perNode('wirefleet_node_applied_revision', 'The configuration revision the node last reported applied', (row) =>
    row.applied_revision === null ? undefined : Number(row.applied_revision),
  );
  registerOutboxGauges(registers, db, networkId);
}

function registerOutboxGauges(registers: Registry[], db: Knex, networkId: number): void {
  const outbox = sharedRead(async () => {
    const result = await db.raw<{ rows: OutboxRow[] }>(
      `SELECT (SELECT count(*) FROM outbox_events)::int AS events,
              (SELECT count(*) FROM nodes WHERE network_id = ? AND desired_revision > announced_revision)::int AS unannounced,
              (SELECT extract(epoch FROM now() - min(created_at)) FROM outbox_events)::float8 AS oldest_seconds`,
      [networkId],
    );
    return result.rows[0]!;
  });
  new Gauge({
    name: 'wirefleet_outbox_pending_events',
    help: 'Announcements committed but not yet published: outbox rows plus nodes whose new revision is unannounced',
    registers,
    async collect() {
      const row = await outbox();
      this.set(row.events + row.unannounced);
    },
  });
  new Gauge({
    name: 'wirefleet_outbox_oldest_event_age_seconds',
    help: 'Age of the oldest unpublished outbox row (0 when the outbox is empty)',
    registers,
    async collect() {
      this.set((await outbox()).oldest_seconds ?? 0);
    },
  });
}
