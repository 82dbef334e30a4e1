import type { Logger } from '@wirefleet/shared/logging';
import type { Knex } from 'knex';

/** Every audit event type the API writes; docs/auth.md lists them. */
export type AuditEventType =
  | 'auth.login'
  | 'auth.login_failed'
  | 'auth.logout'
  | 'auth.refresh_reuse'
  | 'auth.totp_enabled'
  | 'auth.totp_disabled'
  | 'user.created'
  | 'user.updated'
  | 'user.deleted'
  | 'user.oidc_linked'
  | 'user.oidc_unlinked'
  | 'enrollment_key.created'
  | 'enrollment_key.used'
  | 'enrollment_key.revoked'
  | 'node.enrolled'
  | 'node.updated'
  | 'node.deleted'
  | 'device.created'
  | 'device.updated'
  | 'device.deleted'
  | 'policy.updated'
  | 'port_forward.created'
  | 'port_forward.updated'
  | 'port_forward.deleted'
  | 'command.created'
  | 'agent.wanted_version_set';

export interface AuditEvent {
  type: AuditEventType;
  /** Who did it: `user:<id>`, `node:<id>`, `system`, or undefined for anonymous callers. */
  actor?: string | undefined;
  /** What it was done to, e.g. `user:7`. */
  subject?: string | undefined;
  ip?: string | undefined;
  /** Context only: never a password, token, secret or key. */
  data?: Record<string, unknown>;
}

export interface AuditRecord {
  id: number;
  at: string;
  type: string;
  actor: string | null;
  subject: string | null;
  ip: string | null;
  data: Record<string, unknown>;
}

export interface AuditQuery {
  type?: string | undefined;
  since?: string | undefined;
  afterId?: number | undefined;
  limit: number;
}

/**
 * The append-only audit log. Rows are only ever inserted (a database trigger refuses UPDATE
 * and DELETE). `record` can join the caller's transaction so an audited change and its
 * audit row commit together.
 */
export class AuditLog {
  constructor(
    private readonly db: Knex,
    private readonly logger: Logger,
  ) {}

  async record(event: AuditEvent, trx?: Knex.Transaction): Promise<void> {
    await (trx ?? this.db)('audit_events').insert({
      type: event.type,
      actor: event.actor ?? null,
      subject: event.subject ?? null,
      ip: event.ip ?? null,
      data: JSON.stringify(event.data ?? {}),
    });
    this.logger.info(
      { audit: { type: event.type, actor: event.actor, subject: event.subject } },
      'audit event',
    );
  }

  /** Newest first; `afterId` continues a previous page. */
  async list(query: AuditQuery): Promise<AuditRecord[]> {
    const rows = await this.db('audit_events')
      .modify((q) => {
        if (query.type) q.where('type', query.type);
        if (query.since) q.where('at', '>=', query.since);
        if (query.afterId !== undefined) q.where('id', '<', query.afterId);
      })
      .orderBy('id', 'desc')
      .limit(query.limit)
      .select<Array<Omit<AuditRecord, 'id' | 'at'> & { id: string; at: Date }>>('*');
    return rows.map((row) => ({ ...row, id: Number(row.id), at: row.at.toISOString() }));
  }
}
