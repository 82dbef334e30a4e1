import { type ChildProcess, spawn } from 'node:child_process';
import type { Logger } from '@wirefleet/shared/logging';
import { beforeStart } from './pending-check.js';
import type { ReleaseStore } from './release-store.js';
import { EXIT_RESTART_FOR_UPDATE } from './updater.js';

/** Exit codes of `run` that end supervision (when no update is pending): done, bad usage, node ended. */
const FINAL_CODES = new Set([0, 2, 3]);

export interface SuperviseOptions {
  store: ReleaseStore;
  /** The build run when there is no `current` (the one supervising). */
  installed: string;
  /** The child's arguments after the entry file: `run --config …`. */
  args: string[];
  confirmMs: number;
  logger: Logger;
  /** Wait before starting again after a crash (default 1 s). */
  restartDelayMs?: number;
}

/**
 * `wirefleet-agent supervise -- run …`: runs the agent as a child — the `current` build, else the
 * installed one — and starts it again when it exits to switch builds (EXIT_RESTART_FOR_UPDATE)
 * or crashes. Before each start, beforeStart() keeps or rolls back a switch; a new build that
 * has not confirmed within `confirmMs` is stopped (and so rolled back). SIGTERM/SIGINT are
 * passed to the child, and supervision ends with the child's code.
 */
export function supervise(options: SuperviseOptions): Promise<number> {
  const { store, logger, confirmMs } = options;
  let child: ChildProcess | undefined;
  let stopping = false;
  const forward = (signal: NodeJS.Signals) => {
    stopping = true;
    child?.kill(signal);
  };
  process.on('SIGTERM', forward);
  process.on('SIGINT', forward);
  return new Promise<number>((resolve) => {
    const startChild = () => {
      const decision = beforeStart(store, confirmMs);
      if (decision.action === 'rolled-back')
        logger.error(decision, `agent ${decision.version} did not confirm; rolled back to ${decision.to}`);
      const entry = store.target(store.current) ?? options.installed;
      // The child is told it was started as a build (no second beforeStart, no hand-on).
      child = spawn(process.execPath, [...process.execArgv, entry, ...options.args], {
        stdio: 'inherit',
        env: { ...process.env, WIREFLEET_AGENT_STARTED_BUILD: '1' },
      });
      let watchdog: NodeJS.Timeout | undefined;
      if (decision.action === 'start-new') {
        watchdog = setTimeout(() => {
          if (store.confirmedVersion() === decision.version) return;
          logger.error(
            { version: decision.version },
            'the new agent build did not confirm in time; stopping it',
          );
          child?.kill('SIGTERM');
        }, decision.deadline - Date.now());
      }
      child.on('exit', (code, signal) => {
        clearTimeout(watchdog);
        const exitCode = code ?? (signal ? 1 : 0);
        const pending = store.pending() !== undefined;
        if (stopping || (FINAL_CODES.has(exitCode) && !pending)) {
          process.off('SIGTERM', forward);
          process.off('SIGINT', forward);
          resolve(stopping ? 0 : exitCode);
          return;
        }
        const delay = exitCode === EXIT_RESTART_FOR_UPDATE ? 0 : (options.restartDelayMs ?? 1000);
        logger.info({ code: exitCode, signal }, 'agent exited; starting it again');
        setTimeout(startChild, delay);
      });
    };
    startChild();
  });
}
