import { randomBytes, randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import type { IngestKind, IngestRecord } from '@wirefleet/shared/ingest';
import { createLogger, type Logger } from '@wirefleet/shared/logging';
import type { Knex } from 'knex';

/** Test helpers shared by the ingest integration tests. */

export interface CapturedLogger {
  logger: Logger;
  lines(): Array<Record<string, unknown>>;
}

/** A real pino logger whose JSON lines the test can read back. */
export function captureLogger(): CapturedLogger {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      callback();
    },
  });
  return { logger: createLogger({ service: 'test', level: 'debug', destination }), lines: () => lines };
}

export async function insertNetwork(knex: Knex): Promise<number> {
  const [row] = await knex('networks')
    .insert({ name: 'default', cidr: '100.96.0.0/16' })
    .returning<Array<{ id: string }>>('id');
  return Number(row!.id);
}

let nodeCounter = 0;

export async function insertNode(
  knex: Knex,
  networkId: number,
  values: Record<string, unknown> = {},
): Promise<number> {
  nodeCounter += 1;
  const [row] = await knex('nodes')
    .insert({
      network_id: networkId,
      name: `node-${nodeCounter}-${randomBytes(3).toString('hex')}`,
      wg_public_key: randomBytes(32).toString('base64'),
      tunnel_ip: `100.96.${Math.floor(nodeCounter / 250)}.${(nodeCounter % 250) + 2}`,
      secret_hash: randomBytes(32),
      credential_id: randomUUID(),
      ...values,
    })
    .returning<Array<{ id: string }>>('id');
  return Number(row!.id);
}

export async function insertCommand(
  knex: Knex,
  nodeId: number,
  values: Record<string, unknown> = {},
): Promise<string> {
  const id = randomUUID();
  await knex('commands').insert({
    id,
    node_id: nodeId,
    type: 'ping',
    expires_at: new Date(Date.now() + 60_000),
    ...values,
  });
  return id;
}

export function ingestRecord(
  kind: IngestKind,
  nodeId: number,
  data: unknown,
  values: Partial<IngestRecord> = {},
): IngestRecord {
  return { kind, node_id: nodeId, data, ts: Date.now(), gateway: 'gw-1', conn_id: 'conn-1', ...values };
}

export interface OutboxRow {
  room: string;
  event: string;
  data: Record<string, unknown>;
}

/** Outbox events concerning one node (or all), in id order. */
export async function outboxEvents(knex: Knex, nodeId?: number): Promise<OutboxRow[]> {
  const rows = await knex('outbox_events').orderBy('id').select<OutboxRow[]>('room', 'event', 'data');
  return nodeId === undefined ? rows : rows.filter((row) => Number(row.data.node_id) === nodeId);
}
