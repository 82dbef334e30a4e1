import { randomUUID } from 'node:crypto';
import { WirefleetError } from '@wirefleet/shared/errors';
import type { CreateCommandRequest } from '@wirefleet/shared/schemas';
import type { FleetDeps } from '../fleet-deps.js';
import { enqueue } from '../outbox/index.js';

export type CommandStatus = 'queued' | 'sent' | 'succeeded' | 'failed' | 'expired';

export interface PublicCommand {
  id: string;
  node_id: number;
  type: string;
  args: unknown;
  status: CommandStatus;
  result: unknown;
  error: string | null;
  created_at: string;
  sent_at: string | null;
  completed_at: string | null;
  expires_at: string;
}

interface CommandRow {
  id: string;
  node_id: number;
  type: string;
  args: unknown;
  status: CommandStatus;
  result: unknown;
  error: string | null;
  created_at: Date;
  sent_at: Date | null;
  completed_at: Date | null;
  expires_at: Date;
}

const iso = (value: Date | null) => value?.toISOString() ?? null;

const toPublic = (row: CommandRow): PublicCommand => ({
  id: row.id,
  node_id: Number(row.node_id),
  type: row.type,
  args: row.args,
  status: row.status,
  result: row.result,
  error: row.error,
  created_at: row.created_at.toISOString(),
  sent_at: iso(row.sent_at),
  completed_at: iso(row.completed_at),
  expires_at: row.expires_at.toISOString(),
});

/**
 * Commands to a node: persisted as `queued`, delivered as a `command` event to the node's room
 * through the outbox (the relay marks them `sent`), completed by the node's `command.result`
 * (ingest → `succeeded`/`failed`), or `expired` by the sweeper after COMMAND_TTL_SECONDS.
 */
export class CommandService {
  constructor(private readonly deps: FleetDeps) {}

  async create(nodeId: number, request: CreateCommandRequest, actor: string, ip: string): Promise<PublicCommand> {
    const { deps } = this;
    const row = await deps.db.transaction(async (trx) => {
      const node = await trx('nodes').where({ id: nodeId, network_id: deps.network.id }).first('id');
      if (!node) throw new WirefleetError('not_found');
      const id = randomUUID();
      const expiresAt = new Date(Date.now() + deps.config.commandTtlSeconds * 1000);
      const [created] = await trx('commands')
        .insert({ id, node_id: nodeId, type: request.type, args: JSON.stringify(request.args), expires_at: expiresAt, created_by: actor })
        .returning<CommandRow[]>('*');
      await enqueue(trx, [
        {
          room: `node:${nodeId}`,
          event: 'command',
          data: { id, type: request.type, args: request.args, expires_at: expiresAt.toISOString() },
          commandId: id,
        },
        { room: 'fleet', event: 'command.updated', data: { id, node_id: nodeId, status: 'queued' } },
      ]);
      await deps.audit.record({ type: 'command.created', actor, subject: `node:${nodeId}`, ip, data: { id, type: request.type } }, trx);
      return created!;
    });
    deps.announce();
    return toPublic(row);
  }

  async get(id: string): Promise<PublicCommand> {
    const row = await this.deps.db('commands').where({ id }).first<CommandRow | undefined>();
    if (!row) throw new WirefleetError('not_found');
    return toPublic(row);
  }
}
