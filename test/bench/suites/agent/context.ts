import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Logger } from '@wirefleet/shared/logging';
import type { ConfigSigner } from '../../support/agent-fixtures.js';
import type { NetnsPool } from '../../support/agent-netns.js';
import { msSince } from '../../support/stats.js';
import type { BenchContext } from '../../types.js';

/** What every agent measurement shares. */
export interface AgentBench {
  ctx: BenchContext;
  pool: NetnsPool;
  /** Silent: the dataplane logs one line per apply, which would only add noise to stderr. */
  logger: Logger;
  signer: ConfigSigner;
  /** A private scratch directory (config files, agent dirs), removed by the suite. */
  tmp: string;
}

const exec = promisify(execFile);

/** Runs a raw tool (wg, nft) and returns its wall time in ms, spawn to exit. */
export async function timeCommand(file: string, args: string[]): Promise<number> {
  const started = process.hrtime.bigint();
  await exec(file, args, { timeout: 60_000, maxBuffer: 64 * 1024 * 1024 });
  return msSince(started);
}

/** Times a synchronous or asynchronous step, returning its result and ms. */
export async function timed<T>(step: () => T | Promise<T>): Promise<{ value: T; ms: number }> {
  const started = process.hrtime.bigint();
  const value = await step();
  return { value, ms: msSince(started) };
}

export function ms(value: number): string {
  return `${value.toFixed(value < 10 ? 2 : 1)} ms`;
}
