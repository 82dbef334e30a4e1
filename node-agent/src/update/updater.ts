import fs from 'node:fs';
import type { Logger } from '@wirefleet/shared/logging';
import type { AgentUpdate } from '@wirefleet/shared/protocol';
import { downloadVerified } from './download.js';
import type { JsonRequest } from '../http/json-request.js';
import type { ReleaseStore, UpdateState } from './release-store.js';
import { compareVersions } from './version.js';

/** The exit code of a build that stops so that the next start runs another build (systemd: restart). */
export const EXIT_RESTART_FOR_UPDATE = 10;
/** How long a new build has to report a successful config.applied before it is rolled back. */
export const DEFAULT_CONFIRM_SECONDS = 60;

export interface UpdaterOptions {
  store: ReleaseStore;
  /** This build's version. */
  version: string;
  /** The build running now, kept as `previous` when no `current` exists yet. */
  installed: string;
  apiUrl: string;
  ca?: Buffer | undefined;
  logger: Logger;
  confirmMs: number;
  /** Stops the agent and exits with EXIT_RESTART_FOR_UPDATE. */
  restart: () => void;
  /** Asks the auth-api which agents it supports (GET /v1/agent/releases/latest); unset: not asked. */
  request?: JsonRequest;
}

/**
 * The agent's side of self-update. `onConfig` is given each verified config's `agent_update`:
 * when it names another version than this build's (and not one rolled back from), the build is
 * downloaded from the auth-api, checked against the size and SHA-256 of the signed config (the
 * config's JWS is the signature: a config that does not verify never reaches here), written to
 * `releases/<version>/`, `current` is switched to it and the agent restarts. `onApplied` is a
 * successful config.applied: it confirms the running build (release-store.ts, pending-check.ts).
 */
export class Updater {
  private busy: string | undefined;
  /** Versions whose download or check failed in this run: not tried again until the next start. */
  private readonly failed = new Set<string>();
  /** Only a build switched to and not yet confirmed has anything to confirm. */
  private confirmed: boolean;
  private deadline: NodeJS.Timeout | undefined;
  /** Set when the server said this build is older than the oldest agent it supports. */
  private unsupported: string | undefined;

  constructor(private readonly options: UpdaterOptions) {
    this.confirmed = options.store.pending()?.version !== options.version;
  }

  /** At start: a new build not yet confirmed gets `confirmMs` to confirm, else it restarts (rollback). */
  start(): void {
    const { store, version, confirmMs, logger } = this.options;
    const pending = store.pending();
    if (pending?.version !== version) return;
    this.deadline = setTimeout(() => {
      logger.error(
        { version },
        `no successful config.applied within ${confirmMs / 1000} s: restarting to roll back`,
      );
      this.options.restart();
    }, confirmMs);
    this.deadline.unref();
  }

  /**
   * Whether the server still supports this build: `min_agent_version` of its releases route. An
   * older build says so in one line, now and with every config (it keeps running what it has).
   */
  async checkSupport(): Promise<void> {
    const { request, apiUrl, version, logger } = this.options;
    if (!request) return;
    try {
      const response = await request(`${apiUrl}/v1/agent/releases/latest`, {
        timeoutMs: 15_000,
        maxBytes: 64 * 1024,
      });
      const body = response.body as { min_agent_version?: unknown; server_version?: unknown } | undefined;
      const min = body?.min_agent_version;
      if (!response.ok || typeof min !== 'string') return;
      if (compareVersions(version, min) < 0) {
        this.unsupported = `this agent (${version}) is older than the oldest agent the server (${String(body?.server_version)}) supports, ${min}: update it`;
        logger.error({ version, min_agent_version: min }, this.unsupported);
      }
    } catch (error) {
      logger.debug({ err: error }, 'could not ask the server which agent versions it supports');
    }
  }

  stop(): void {
    clearTimeout(this.deadline);
  }

  /** Whether this build has yet to report a successful config.applied since it started. */
  get unconfirmed(): boolean {
    return !this.confirmed;
  }

  onApplied(): void {
    if (this.confirmed) return;
    this.confirmed = true;
    const { store, version } = this.options;
    store.confirm(version);
    const pending = store.pending();
    if (pending?.version === version) {
      clearTimeout(this.deadline);
      store.setPending(undefined);
      store.setState({ state: 'updated', version });
      this.options.logger.info({ version, from: pending.from }, 'agent update confirmed');
    }
  }

  /** What `status` carries: this build's version and the last update's state. */
  report(): { agent_version: string; update?: UpdateState } {
    const state = this.options.store.state();
    return { agent_version: this.options.version, ...(state ? { update: state } : {}) };
  }

  onConfig(update: AgentUpdate | undefined): void {
    const { store, version, logger } = this.options;
    if (this.unsupported) logger.error({ version }, this.unsupported);
    if (update === undefined || update.version === version || this.busy !== undefined) return;
    if (this.failed.has(update.version)) return;
    if (store.badVersions().includes(update.version)) {
      logger.debug(
        { version: update.version },
        'wanted version was rolled back from before; not installing it again',
      );
      return;
    }
    this.busy = update.version;
    this.install(update).then(
      () => this.options.restart(),
      (error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        logger.error(
          { version: update.version, err: error },
          `agent update to ${update.version} failed: ${message}`,
        );
        store.setState({ state: 'failed', version: update.version, error: message.slice(0, 500) });
        this.failed.add(update.version);
        this.busy = undefined;
      },
    );
  }

  private async install(update: AgentUpdate): Promise<void> {
    const { store, logger, installed, version } = this.options;
    logger.info({ from: version, to: update.version }, 'downloading the wanted agent version');
    store.setState({ state: 'downloading', version: update.version });
    const file = store.releaseFile(update.version);
    await downloadVerified(`${this.options.apiUrl}${update.url}`, update, file, {
      ca: this.options.ca,
      timeoutMs: 300_000,
      onVerifying: () => store.setState({ state: 'verifying', version: update.version }),
    });
    fs.chmodSync(file, 0o500);
    store.setPending({
      version: update.version,
      from: version,
      switched_at: new Date().toISOString(),
      starts: 0,
    });
    store.switchTo(file, installed);
    store.setState({ state: 'restarting', version: update.version });
    logger.info({ from: version, to: update.version }, 'agent update verified and switched in; restarting');
  }
}
