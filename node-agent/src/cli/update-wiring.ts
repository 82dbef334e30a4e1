import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Logger } from '@wirefleet/shared/logging';
import type { AgentConfig } from '../config/agent-config.js';
import { createJsonRequest } from '../http/json-request.js';
import { beforeStart } from '../update/pending-check.js';
import { ReleaseStore } from '../update/release-store.js';
import { DEFAULT_CONFIRM_SECONDS, EXIT_RESTART_FOR_UPDATE, Updater } from '../update/updater.js';
import { AGENT_VERSION } from '../update/version.js';
import { UsageError } from './usage.js';

/** The folder of the agent's builds: `<config dir>/state` (beside its other state). */
export const releaseStoreOf = (configDir: string) => new ReleaseStore(path.join(configDir, 'state'));

/** The build this process runs (its entry file, symlinks resolved), kept as `previous` on a switch. */
export function installedEntry(): string {
  const entry = process.argv[1] ?? '';
  try {
    return fs.realpathSync(entry);
  } catch {
    return path.resolve(entry);
  }
}

/**
 * WIREFLEET_UPDATE_CONFIRM_SECONDS: how long a new agent build has to report a successful
 * config.applied before it is rolled back (default 60).
 */
export function confirmMsFromEnv(env: NodeJS.ProcessEnv): number {
  const raw = env.WIREFLEET_UPDATE_CONFIRM_SECONDS;
  if (raw === undefined || raw === '') return DEFAULT_CONFIRM_SECONDS * 1000;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 3600)
    throw new UsageError(
      `WIREFLEET_UPDATE_CONFIRM_SECONDS: expected whole seconds from 1 to 3600, got ${JSON.stringify(raw)}`,
    );
  return value * 1000;
}

/** The run loop's Updater; `exit(code)` stops the agent and exits (EXIT_RESTART_FOR_UPDATE). */
export function createUpdater(
  config: AgentConfig,
  ca: Buffer | undefined,
  logger: Logger,
  exit: (code: number) => void,
): Updater {
  return new Updater({
    store: releaseStoreOf(config.dir),
    version: AGENT_VERSION,
    installed: installedEntry(),
    apiUrl: config.api_url,
    ca,
    logger: logger.child({ subsystem: 'update' }),
    confirmMs: confirmMsFromEnv(process.env),
    restart: () => exit(EXIT_RESTART_FOR_UPDATE),
    request: createJsonRequest({ ca }),
  });
}

/** Set for a `run` started by `supervise` or handed on by startSwitchedBuild: no check, no hand-on. */
export const STARTED_BUILD_ENV = 'WIREFLEET_AGENT_STARTED_BUILD';

/**
 * `run` started by systemd (or by hand): this is the installed build. It first keeps or rolls
 * back a pending switch (beforeStart, as `supervise` does before each start), then, when the
 * state folder has a `current` build other than itself, hands the process over to it: imports
 * it, and that build's `run` does the rest. Returns whether it handed over.
 */
export async function startSwitchedBuild(configPath: string, say: (line: string) => void): Promise<boolean> {
  if (process.env[STARTED_BUILD_ENV] === '1') return false;
  process.env[STARTED_BUILD_ENV] = '1';
  const store = releaseStoreOf(path.dirname(path.resolve(configPath)));
  const decision = beforeStart(store, confirmMsFromEnv(process.env));
  if (decision.action === 'rolled-back')
    say(`wirefleet-agent: ${decision.version} did not confirm; rolled back to ${decision.to}`);
  const current = store.target(store.current);
  if (current === undefined || path.resolve(current) === installedEntry()) return false;
  await import(pathToFileURL(current).href);
  return true;
}
