import { randomUUID } from 'node:crypto';
import { WirefleetError } from '@wirefleet/shared/errors';
import { type CreateCommandRequest, ipv4InCidr, parseCidr } from '@wirefleet/shared/schemas';
import type { FleetWriteDeps } from '../fleet-deps.js';
import { enqueue } from '../outbox/index.js';
import type { CommandEventData } from '@wirefleet/shared/protocol';

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
export interface CommandServiceDeps extends FleetWriteDeps {
  /** How long a command may stay unfinished before the sweeper expires it. */
  commandTtlSeconds: number;
}

export class CommandService {
  constructor(private readonly deps: CommandServiceDeps) {}

  async create(
    nodeId: number,
    request: CreateCommandRequest,
    actor: string,
    ip: string,
  ): Promise<PublicCommand> {
    const { deps } = this;
    // A node pings only across the tunnel: a ping elsewhere would make it probe its own LAN or
    // the Internet on an operator's behalf. The agent refuses such targets too.
    if (request.type === 'ping' && !ipv4InCidr(request.args.target_ip, parseCidr(deps.network.cidr)!)) {
      throw new WirefleetError('invalid_request', {
        errors: [{ path: 'args.target_ip', message: `must be a tunnel address in ${deps.network.cidr}` }],
      });
    }
    const row = await deps.db.transaction(async (trx) => {
      const node = await trx('nodes').where({ id: nodeId, network_id: deps.network.id }).first('id');
      if (!node) throw new WirefleetError('not_found');
      const id = randomUUID();
      const expiresAt = new Date(Date.now() + deps.commandTtlSeconds * 1000);
      const [created] = await trx('commands')
        .insert({
          id,
          node_id: nodeId,
          type: request.type,
          args: JSON.stringify(request.args),
          expires_at: expiresAt,
          created_by: actor,
        })
        .returning<CommandRow[]>('*');
      // `queued` first: the relay announces `sent` right after it publishes the command itself.
      await enqueue(trx, [
        { room: 'fleet', event: 'command.updated', data: { id, node_id: nodeId, status: 'queued' } },
        { room: `node:${nodeId}`, event: 'command', data: { ...toDelivery(created!) }, commandId: id },
      ]);
      await deps.audit.record(
        { type: 'command.created', actor, subject: `node:${nodeId}`, ip, data: { id, type: request.type } },
        trx,
      );
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

  /** A node's commands, newest first; 404 for an unknown node. */
  async listForNode(nodeId: number, query: { cursor?: string | undefined; limit: number }) {
    const { deps } = this;
    const node = await deps.db('nodes').where({ id: nodeId, network_id: deps.network.id }).first('id');
    if (!node) throw new WirefleetError('not_found');
    const rows = deps
      .db('commands')
      .where({ node_id: nodeId })
      .orderBy([
        { column: 'created_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ]);
    const after = decodeCommandCursor(query.cursor);
    // Compared with the row's own timestamp: an ISO string would drop Postgres's microseconds.
    if (after)
      rows.whereRaw('(created_at, id) < (SELECT created_at, id FROM commands WHERE id = ?)', [after]);
    const items = (await rows.limit(query.limit).select<CommandRow[]>('*')).map(toPublic);
    const last = items[items.length - 1];
    return items.length === query.limit && last
      ? { items, next_cursor: encodeCommandCursor(last) }
      : { items };
  }

  /**
   * What a node must still run: its `queued` and `sent` commands that have not expired, oldest
   * first. A connecting agent asks for these, so a command queued while it was offline runs
   * when it comes back; `queued` ones become `sent` (and are announced) here. The agent keeps
   * the ids it ran, so one delivered both here and live in its room still runs once.
   */
  async pendingForNode(nodeId: number): Promise<{ items: CommandEventData[] }> {
    const { deps } = this;
    const rows = await deps.db.transaction(async (trx) => {
      const open = await trx('commands')
        .where({ node_id: nodeId })
        .whereIn('status', ['queued', 'sent'])
        .where('expires_at', '>', trx.fn.now())
        .orderBy([{ column: 'created_at' }, { column: 'id' }])
        .forUpdate()
        .select<CommandRow[]>('*');
      const queued = open.filter((row) => row.status === 'queued').map((row) => row.id);
      if (queued.length > 0) {
        await trx('commands').whereIn('id', queued).update({ status: 'sent', sent_at: trx.fn.now() });
        await enqueue(
          trx,
          queued.map((id) => ({
            room: 'fleet',
            event: 'command.updated',
            data: { id, node_id: nodeId, status: 'sent' },
          })),
        );
      }
      return open;
    });
    if (rows.some((row) => row.status === 'queued')) deps.announce();
    return { items: rows.map(toDelivery) };
  }
}

/** The `command` event a node receives, live or from {@link CommandService.pendingForNode}. */
function toDelivery(row: CommandRow): CommandEventData {
  return { id: row.id, type: row.type, args: row.args, expires_at: row.expires_at.toISOString() };
}

/** Commands page by (created_at, id), newest first; the cursor (the last id) is opaque to clients. */
function encodeCommandCursor(command: PublicCommand): string {
  return Buffer.from(`cmd:${command.id}`).toString('base64url');
}

function decodeCommandCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const match = /^cmd:([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/.exec(
    Buffer.from(cursor, 'base64url').toString('utf8'),
  );
  if (!match)
    throw new WirefleetError('invalid_request', { errors: [{ path: 'cursor', message: 'unknown cursor' }] });
  return match[1];
}
