import type { Logger } from '@wirefleet/shared/logging';
import type { CommandEventData } from '@wirefleet/shared/protocol';
import type { CommandLedger } from './command-ledger.js';
import type { CommandOutcome, CommandRunner } from './command-runner.js';


export interface CommandInboxDeps {
  ledger: CommandLedger;
  runner: CommandRunner;
  /** Sends a `command.result`; rejects when the gateway did not accept it (offline, Redis away). */
  publishResult(data: Record<string, unknown>): Promise<void>;
  /** The node's commands still to run, from the auth-api (`GET /v1/nodes/self/commands`). */
  fetchPending(): Promise<unknown[]>;
  logger: Logger;
  now?: () => number;
}

/**
 * Exactly-once command handling on the node. Commands arrive live in the node's room and, after
 * every (re)connect or lost continuity, from a fetch of what is still pending — so a command
 * queued while the node was offline runs when it is back. The ledger on disk decides what has
 * run: a command is claimed before it starts, so no delivery path, reconnect or restart runs it
 * twice. Results the gateway did not accept stay in the ledger and are sent again.
 */
export class CommandInbox {
  private readonly now: () => number;
  private flushing: Promise<void> | undefined;

  constructor(private readonly deps: CommandInboxDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Runs a delivered command unless it was run (or started) before; reports its result. */
  receive(delivery: unknown): void {
    const command = asDelivery(delivery);
    if (!command) {
      this.deps.logger.warn({ delivery: JSON.stringify(delivery)?.slice(0, 200) }, 'malformed command delivery ignored');
      return;
    }
    if (Date.parse(command.expires_at) < this.now()) {
      this.deps.logger.info({ id: command.id }, 'command expired before it arrived; not running it');
      return;
    }
    // Synchronous check-and-claim: a live event and a fetch delivering the same id cannot both pass.
    if (!this.deps.ledger.claim(command.id, command.expires_at)) {
      this.deps.logger.debug({ id: command.id }, 'command already run or running; not running it again');
      return;
    }
    void this.run(command);
  }

  /**
   * After (re)connecting or a gap: results still owed first, then whatever is pending. Rejects
   * when the pending commands could not be fetched (the caller retries).
   */
  async catchUp(): Promise<void> {
    await this.flushResults();
    for (const delivery of await this.deps.fetchPending()) this.receive(delivery);
  }

  /** Sends every result the gateway has not accepted yet, oldest first; one flush at a time. */
  flushResults(): Promise<void> {
    this.flushing ??= this.sendUnreported().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async run(command: CommandEventData): Promise<void> {
    const outcome = await this.deps.runner.run(command.type, command.args);
    this.deps.logger.info({ id: command.id, type: command.type, ok: outcome.ok }, 'command finished');
    this.deps.ledger.finish(command.id, outcome);
    await this.report(command.id, outcome);
  }

  private async sendUnreported(): Promise<void> {
    for (const { id, outcome } of this.deps.ledger.unreported()) {
      if (!(await this.report(id, outcome))) return;
    }
  }

  private async report(id: string, outcome: CommandOutcome): Promise<boolean> {
    try {
      await this.deps.publishResult({ command_id: id, ...outcome });
      this.deps.ledger.reported(id);
      return true;
    } catch (error) {
      this.deps.logger.info({ id, err: error }, 'command result not delivered yet; kept and sent again once connected');
      return false;
    }
  }
}

function asDelivery(value: unknown): CommandEventData | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { id, type, args, expires_at: expiresAt } = value as Record<string, unknown>;
  if (typeof id !== 'string' || !/^[0-9a-f-]{36}$/.test(id) || typeof type !== 'string') return undefined;
  if (typeof expiresAt !== 'string' || Number.isNaN(Date.parse(expiresAt))) return undefined;
  return { id, type, args, expires_at: expiresAt };
}
