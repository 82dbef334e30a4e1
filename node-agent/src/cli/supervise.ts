import path from 'node:path';
import { parseArgs } from 'node:util';
import { createLogger } from '@wirefleet/shared/logging';
import { DEFAULT_CONFIG_PATH } from '../config/agent-config.js';
import { beforeStart } from '../update/pending-check.js';
import { supervise as superviseChild } from '../update/supervisor.js';
import { confirmMsFromEnv, installedEntry, releaseStoreOf } from './update-wiring.js';
import { UsageError } from './usage.js';

/** The `--config` of a `run …` argument list (its folder holds the builds). */
function configOf(args: string[]): string {
  const at = args.findIndex((arg) => arg === '--config' || arg.startsWith('--config='));
  if (at < 0) return DEFAULT_CONFIG_PATH;
  const value = args[at]?.includes('=') ? args[at]?.slice('--config='.length) : args[at + 1];
  if (!value) throw new UsageError('--config: a path is required');
  return value;
}

/** `wirefleet-agent supervise [--] run …`: the run command as a restarted child (update/supervisor.ts). */
export function supervise(args: string[]): Promise<number> {
  const child = args[0] === '--' ? args.slice(1) : args;
  if (child[0] !== 'run') throw new UsageError('supervise: expected `-- run [run flags]`');
  const logger = createLogger({ service: 'node-agent', level: process.env.LOG_LEVEL ?? 'info' }).child({
    subsystem: 'supervisor',
  });
  return superviseChild({
    store: releaseStoreOf(path.dirname(path.resolve(configOf(child)))),
    installed: installedEntry(),
    args: child,
    confirmMs: confirmMsFromEnv(process.env),
    logger,
  });
}

/**
 * `wirefleet-agent update-check [--config PATH]`: systemd's ExecStartPre (the installed build):
 * keeps a confirmed switch, or rolls back one whose build was started and never confirmed.
 */
export function updateCheck(args: string[], out: (line: string) => void): number {
  const { values } = parseArgs({
    args,
    strict: true,
    options: { config: { type: 'string', default: DEFAULT_CONFIG_PATH } },
  });
  const decision = beforeStart(
    releaseStoreOf(path.dirname(path.resolve(values.config))),
    confirmMsFromEnv(process.env),
  );
  if (decision.action === 'rolled-back')
    out(`wirefleet-agent: ${decision.version} did not confirm; rolled back to ${decision.to}`);
  return 0;
}
