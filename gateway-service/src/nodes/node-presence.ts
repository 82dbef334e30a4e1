import type { Bus, BusEvent } from '@wirefleet/shared/bus';
import type { IngestKind, IngestSink } from '@wirefleet/shared/ingest';
import type { Logger } from '@wirefleet/shared/logging';
import { CloseCode } from '@wirefleet/shared/protocol';
import type { Connection } from '../connections/connection.js';
import type { ConnectionRegistry } from '../connections/connection-registry.js';
import { ThrottledLog } from '../ops/throttled-log.js';
import type { NodeLeases } from './node-leases.js';

/** Gateway-to-gateway messages travel in this room; no client may name it (see room-policy). */
export const CONTROL_ROOM = 'gateway:control';
const TAKEOVER_EVENT = 'node.takeover';

/**
 * Keeps at most one live connection per node across every gateway instance, and records
 * node connects/disconnects for the control plane. A new connection takes the lease and
 * announces itself; whichever instance holds an older connection of that node closes it
 * with 4010. Renewal failing (someone else holds the lease) closes it too, in case the
 * announcement was missed.
 */
export class NodePresence {
  private readonly renewalFailures = new ThrottledLog();

  constructor(
    private readonly deps: {
      bus: Bus;
      leases: NodeLeases;
      ingest: IngestSink;
      registry: ConnectionRegistry;
      instanceId: string;
      logger: Logger;
      close(connection: Connection, code: number, reason: string): void;
      now(): number;
    },
  ) {}

  holder(connection: Connection): string {
    return `${this.deps.instanceId}/${connection.id}`;
  }

  async connected(connection: Connection): Promise<void> {
    const holder = this.holder(connection);
    const previous = await this.deps.leases.acquire(connection.subjectId, holder);
    if (previous && previous !== holder) {
      await this.deps.bus.publish(CONTROL_ROOM, TAKEOVER_EVENT, { node_id: connection.subjectId, holder });
    }
    await this.record('node.connected', connection, { ip: connection.ip });
  }

  async disconnected(connection: Connection, code: number): Promise<void> {
    await this.deps.leases.release(connection.subjectId, this.holder(connection));
    await this.record('node.disconnected', connection, { code });
  }

  /** Bus observer for the control room. */
  onControlEvent(event: BusEvent): void {
    if (event.event !== TAKEOVER_EVENT) return;
    const { node_id: nodeId, holder } = event.data as { node_id: number; holder: string };
    for (const connection of this.deps.registry.ofSubject(`node:${nodeId}`)) {
      if (this.holder(connection) !== holder) {
        this.deps.close(connection, CloseCode.REPLACED, 'replaced by a newer connection of this node');
      }
    }
  }

  /**
   * Extends every local node lease; a lease another holder has means a newer connection exists
   * somewhere. A renewal that cannot reach Redis keeps the connection (one log line per interval
   * for all of them: during an outage every node fails every sweep).
   */
  async renewAll(): Promise<void> {
    for (const connection of this.deps.registry.values()) {
      if (connection.kind !== 'node' || !connection.ws) continue;
      const kept = await this.deps.leases.renew(connection.subjectId, this.holder(connection)).catch((error: unknown) => {
        const logged = this.renewalFailures.take();
        if (logged) this.deps.logger.warn({ err: error, node: connection.subjectId, ...logged }, 'node lease renewal failed; keeping the connection');
        return true;
      });
      if (!kept && connection.ws) this.deps.close(connection, CloseCode.REPLACED, 'replaced by a newer connection of this node');
    }
  }

  private async record(kind: IngestKind, connection: Connection, data: Record<string, unknown>): Promise<void> {
    await this.deps.ingest.append({
      kind,
      node_id: connection.subjectId,
      data,
      ts: this.deps.now(),
      gateway: this.deps.instanceId,
      conn_id: connection.id,
    });
  }
}
