import type { Logger } from '@wirefleet/shared/logging';
import { RealtimeClient } from '@wirefleet/shared/client';
import type { EventFrame, NodeConfigPayload } from '@wirefleet/shared/protocol';
import { MAX_CONFIG_JWS_LENGTH } from '@wirefleet/shared/tokens';
import { CommandInbox } from '../commands/command-inbox.js';
import { CommandLedger } from '../commands/command-ledger.js';
import { CommandRunner } from '../commands/command-runner.js';
import type { AgentConfig, AgentSecrets } from '../config/agent-config.js';
import type { Dataplane, DesiredState } from '../dataplane/dataplane.js';
import type { StateStore } from '../state/state-store.js';
import { CachedJwks } from '../trust/cached-jwks.js';
import { DesiredStateConverter } from '../trust/desired-state.js';
import { ConfigRefused, SignedConfigVerifier } from '../trust/verify-config.js';
import { webSocketTrusting } from '../http/ca-file.js';
import { createJsonRequest, fromFetch, type JsonRequest } from '../http/json-request.js';
import { readConfigResponse } from './config-response.js';
import { NodeTokenProvider } from './node-token.js';
import { RetryLater } from './retry-later.js';
import { statusPeers } from './status-peers.js';
import type { Updater } from '../update/updater.js';

export const STATUS_INTERVAL_MS = 15_000;
export const RECONCILE_INTERVAL_MS = 60_000;

export interface AgentOptions {
  config: AgentConfig;
  secrets: AgentSecrets;
  dataplane: Dataplane;
  state: StateStore;
  logger: Logger;
  statusIntervalMs?: number;
  reconcileIntervalMs?: number;
  /** Cap of the reconnect back-off (default 60 s, CONTRACT §7); tests shorten it. */
  reconnectMaxMs?: number;
  /** Called when the control plane says this node is gone (4003) or replaced (4010). */
  onTerminal?: (reason: string) => void;
  /** Certificate authorities trusted (alone) for https/wss: `--ca-file`. Unset: the system's. */
  ca?: Buffer;
  /** Tests: every request to the auth-api goes through this fetch instead of the agent's own client. */
  fetchImpl?: typeof fetch;
  /** Self-update (update/updater.ts): sees each verified config, each success, adds to status. */
  update?: Pick<Updater, 'onConfig' | 'onApplied' | 'report' | 'unconfirmed'>;
}

/** The largest config response read: the signed config plus the unsigned copy beside it. */
const MAX_CONFIG_RESPONSE_BYTES = 3 * MAX_CONFIG_JWS_LENGTH;

/**
 * The agent's run loop. Offline first: the last verified config is applied from disk before
 * the network is touched, and the tunnel stays as it is while the control plane is away.
 * Online, it follows its node room: `config.changed` and `command` events, a `status` every
 * 15 s, a `config.applied` after each apply, and a full reconcile every 60 s.
 */
export class Agent {
  private readonly room: string;
  private readonly jwks: CachedJwks;
  /** Both remember the last config: a one-peer change checks and converts one peer. */
  private readonly verifier: SignedConfigVerifier;
  private readonly converter = new DesiredStateConverter();
  private readonly tokens: NodeTokenProvider;
  private readonly commands: CommandInbox;
  private readonly client: RealtimeClient;
  /** The last `config.applied` the gateway did not accept; sent again once connected. */
  private unsentApplied: Record<string, unknown> | undefined;
  private readonly request: JsonRequest;
  private appliedRevision: number | undefined;
  private lastGood: DesiredState | undefined;
  private syncing: Promise<void> | undefined;
  private syncAgain = false;
  private readonly syncRetry: RetryLater;
  private readonly commandFetchRetry: RetryLater;
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(private readonly options: AgentOptions) {
    const { config } = options;
    this.room = `node:${config.node_id}`;
    this.request = options.fetchImpl ? fromFetch(options.fetchImpl) : createJsonRequest({ ca: options.ca });
    this.jwks = new CachedJwks(`${config.api_url}/.well-known/jwks.json`, options.state, this.request);
    this.verifier = new SignedConfigVerifier(this.jwks, config.node_id);
    this.tokens = new NodeTokenProvider(
      config.api_url,
      config.node_id,
      options.secrets.nodeSecret,
      this.request,
    );
    this.client = new RealtimeClient({
      url: config.gateway_url,
      token: (request) => this.tokens.token(request),
      WebSocketImpl: webSocketTrusting(options.ca),
      logger: options.logger,
      ...(options.reconnectMaxMs ? { backoff: { maxMs: options.reconnectMaxMs } } : {}),
    });
    this.syncRetry = new RetryLater('config sync', options.logger);
    this.commandFetchRetry = new RetryLater('fetching pending commands', options.logger);
    const ledger = new CommandLedger(options.state.directory);
    if (ledger.setAside)
      options.logger.error(
        { file: ledger.setAside },
        'the command ledger was unreadable and was set aside; starting a new one',
      );
    this.commands = new CommandInbox({
      ledger,
      runner: new CommandRunner(options.dataplane, config.network_cidr),
      publishResult: async (data) => void (await this.client.publish(this.room, 'command.result', data)),
      fetchPending: () => this.fetchPendingCommands(),
      logger: options.logger,
    });
  }

  get revision(): number | undefined {
    return this.appliedRevision;
  }

  /** Applies the config on disk, then connects. Resolves once started (not when stopped). */
  async start(): Promise<void> {
    await this.applyFromDisk();
    this.client.subscribe(this.room, (event) => this.onRoomEvent(event));
    // Connected again: the config may have moved on, commands may be waiting, results and an
    // apply report may be owed. The same after a gap in the room (Redis lost its history).
    this.client.on('welcome', () => this.catchUp());
    this.client.on('resync', ({ room }) => {
      if (room === this.room) this.catchUp();
    });
    this.client.on('close', (close) => {
      if (close.terminal && close.code !== 1000)
        this.options.onTerminal?.(`gateway closed the connection with ${close.code}`);
    });
    this.client.start();
    this.timers.push(
      setInterval(() => void this.heartbeat(), this.options.statusIntervalMs ?? STATUS_INTERVAL_MS),
    );
    this.timers.push(
      setInterval(
        () => void this.reconcile('periodic'),
        this.options.reconcileIntervalMs ?? RECONCILE_INTERVAL_MS,
      ),
    );
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.syncRetry.stop();
    this.commandFetchRetry.stop();
    await this.client.stop();
    await this.syncing;
    await this.options.dataplane.close();
  }

  private async applyFromDisk(): Promise<void> {
    const jws = this.options.state.lastConfig();
    if (!jws) return;
    try {
      const config = await this.verifier.verify(jws, undefined);
      // Already on disk: not written again.
      await this.apply(config.revision, await this.converter.convert(config), undefined);
      this.options.logger.info({ revision: config.revision }, 'applied the last verified config from disk');
    } catch (error) {
      this.options.logger.error(
        { err: error },
        'the config on disk could not be applied; waiting for the control plane',
      );
    }
  }

  private onRoomEvent(event: EventFrame): void {
    if (event.event === 'config.changed') {
      const revision = (event.data as { revision?: unknown }).revision;
      if (
        typeof revision !== 'number' ||
        this.appliedRevision === undefined ||
        revision > this.appliedRevision
      )
        this.requestSync();
    } else if (event.event === 'command') {
      this.commands.receive(event.data);
    }
  }

  private catchUp(): void {
    this.requestSync();
    void this.resendApplied();
    void this.fetchCommands();
  }

  private async fetchCommands(): Promise<void> {
    try {
      await this.commands.catchUp();
      this.commandFetchRetry.succeeded();
    } catch (error) {
      this.commandFetchRetry.failed(error, () => void this.fetchCommands());
    }
  }

  /** Every status period: status, and whatever the gateway did not accept before. */
  private async heartbeat(): Promise<void> {
    await this.reportStatus();
    await this.resendApplied();
    await this.commands.flushResults();
  }

  private async fetchPendingCommands(): Promise<unknown[]> {
    const response = await this.request(`${this.options.config.api_url}/v1/nodes/self/commands`, {
      headers: { authorization: `Bearer ${await this.tokens.token()}` },
      timeoutMs: 15_000,
      maxBytes: 4 * 1024 * 1024,
    });
    const items = (response.body as { items?: unknown } | undefined)?.items;
    if (!response.ok || !Array.isArray(items))
      throw new Error(`GET /v1/nodes/self/commands answered ${response.status}`);
    return items;
  }

  /** Fetch-verify-apply, one at a time; a request during a sync runs one more afterwards. */
  requestSync(): void {
    if (this.syncing) {
      this.syncAgain = true;
      return;
    }
    // A failed fetch (auth-api or Postgres away) is retried with back-off: the change it was
    // for has been announced once and will not be announced again.
    this.syncing = this.sync()
      .then(
        () => this.syncRetry.succeeded(),
        (error: unknown) => this.syncRetry.failed(error, () => this.requestSync()),
      )
      .finally(() => {
        this.syncing = undefined;
        if (this.syncAgain) {
          this.syncAgain = false;
          this.requestSync();
        }
      });
  }

  private async sync(): Promise<void> {
    const { config, logger } = this.options;
    const response = await this.request(`${config.api_url}/v1/nodes/self/config`, {
      headers: { authorization: `Bearer ${await this.tokens.token()}` },
      timeoutMs: 15_000,
      maxBytes: MAX_CONFIG_RESPONSE_BYTES,
      read: readConfigResponse,
    });
    if (!response.ok) throw new Error(`GET /v1/nodes/self/config answered ${response.status}`);
    // Only the signature is used: the unsigned copy beside it is never trusted.
    if (response.body === undefined)
      throw new Error('GET /v1/nodes/self/config answered something other than JSON');
    const { signature } = response.body as { signature: string };
    let verified: NodeConfigPayload;
    try {
      verified = await this.verifier.verify(signature, this.appliedRevision);
    } catch (error) {
      if (!(error instanceof ConfigRefused)) throw error;
      logger.error({ reason: error.reason, revision: error.revision }, error.message);
      await this.report('config.applied', {
        revision: error.revision ?? this.appliedRevision ?? 0,
        ok: false,
        error: `refused: ${error.message}`,
      });
      return;
    }
    this.options.update?.onConfig(verified.agent_update);
    if (verified.revision === this.appliedRevision) {
      // A new build started on the config it applied from disk still owes its confirmation.
      if (this.options.update?.unconfirmed) await this.confirmApplied(verified.revision);
      return;
    }
    const desired = await this.converter.convert(verified);
    try {
      const report = await this.apply(verified.revision, desired, signature);
      logger.info({ revision: verified.revision, ...report }, 'config applied');
      await this.confirmApplied(verified.revision);
      void this.reportStatus();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      logger.error(
        { err: error, revision: verified.revision },
        'apply failed; restoring the last good state',
      );
      if (this.lastGood)
        await this.options.dataplane
          .apply(this.lastGood)
          .catch((rollback: unknown) => logger.error({ err: rollback }, 'rollback failed'));
      await this.report('config.applied', {
        revision: verified.revision,
        ok: false,
        error: message.slice(0, 1000),
      });
    }
  }

  private async confirmApplied(revision: number): Promise<void> {
    await this.report('config.applied', { revision, ok: true });
    this.options.update?.onApplied();
  }

  /** `jws`: the signed config to keep on disk for the next start (undefined: it is there already). */
  private async apply(revision: number, desired: DesiredState, jws: string | undefined) {
    const report = await this.options.dataplane.apply(desired);
    this.appliedRevision = revision;
    this.lastGood = desired;
    if (jws !== undefined) this.options.state.saveLastConfig(jws);
    return report;
  }

  private async reconcile(why: string): Promise<void> {
    try {
      const report = await this.options.dataplane.reconcile();
      if (report.corrected.length > 0)
        this.options.logger.warn({ why, corrected: report.corrected }, 'reconcile corrected the host');
    } catch (error) {
      this.options.logger.error({ err: error }, 'reconcile failed');
    }
  }

  async reportStatus(): Promise<void> {
    if (this.appliedRevision === undefined) return;
    try {
      const [peers, digest] = await Promise.all([
        this.options.dataplane.peerStatus(),
        this.options.dataplane.digest(),
      ]);
      await this.report('status', {
        applied_revision: this.appliedRevision,
        ...statusPeers(peers),
        state_digest: digest.stateDigest,
        drift: digest.drift,
        ...this.options.update?.report(),
      });
    } catch (error) {
      this.options.logger.debug({ err: error }, 'status not sent');
    }
  }

  private async report(event: 'status' | 'config.applied', data: Record<string, unknown>): Promise<void> {
    try {
      await this.client.publish(this.room, event, data);
      if (event === 'config.applied') this.unsentApplied = undefined;
    } catch (error) {
      // Offline or Redis away: status goes out again every period by itself; the latest apply
      // report is kept and sent again once connected (an older one is superseded by it).
      if (event === 'config.applied') this.unsentApplied = data;
      this.options.logger.info({ err: error, event }, 'report not delivered yet; sent again once connected');
    }
  }

  private async resendApplied(): Promise<void> {
    if (this.unsentApplied) await this.report('config.applied', this.unsentApplied);
  }
}
