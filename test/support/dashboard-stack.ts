import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

export interface DashboardStack {
  /** e.g. `http://127.0.0.1:41234`: the dashboard and the API. */
  url: string;
  gatewayUrl: string;
  adminPassword: string;
  /** Everything the stack printed (stdout and stderr). */
  output(): string;
  stop(): Promise<void>;
}


/** Resolves with the first match of `pattern` in the growing output, or rejects on exit or timeout. */
function waitForOutput(child: ChildProcess, output: () => string, pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`the stack did not print ${pattern} within ${timeoutMs} ms:\n${output()}`)), timeoutMs);
    const check = () => {
      const match = output().match(pattern);
      if (match) finish(undefined, match);
    };
    const exited = (code: number | null) => finish(new Error(`the stack exited (${code}) before printing ${pattern}:\n${output()}`));
    function finish(error?: Error, match?: RegExpMatchArray) {
      clearTimeout(timer);
      child.stdout?.off('data', check);
      child.off('exit', exited);
      if (error) reject(error);
      else resolve(match!);
    }
    child.stdout?.on('data', check);
    child.once('exit', exited);
    check();
  });
}

/**
 * The whole stack as `npm start` runs it (infra/dev/start-stack.ts, in its own process, with its
 * simulated agents), on free ports, a temporary data folder and the given database. Resolves
 * once it printed its banner with the dashboard URL and the first admin's password.
 */
export async function startDashboardStack(options: { databaseUrl: string; simulatedAgents: number; env?: Record<string, string> }): Promise<DashboardStack> {
  const [apiPort, gatewayPort] = [await freePort(), await freePort()];
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wf-dashboard-stack-'));
  const gatewayUrl = `ws://127.0.0.1:${gatewayPort}/ws`;
  let text = '';
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'infra/dev/start-stack.ts'], {
    cwd: REPO,
    env: {
      ...process.env,
      AUTH_API_HOST: '127.0.0.1',
      AUTH_API_PORT: String(apiPort),
      AUTH_PUBLIC_URL: '',
      GATEWAY_HOST: '127.0.0.1',
      GATEWAY_PORT: String(gatewayPort),
      GATEWAY_PUBLIC_URL: gatewayUrl,
      ALLOWED_ORIGINS: '',
      DATABASE_URL: options.databaseUrl,
      REDIS_URL: '',
      DATA_DIR: dataDir,
      SIMULATED_AGENTS: String(options.simulatedAgents),
      // Status every 2 s instead of 15: the traffic chart has rates to draw within the test.
      WIREFLEET_STATUS_INTERVAL_SECONDS: '2',
      ARGON2_MEMORY_KIB: '4096',
      ARGON2_ITERATIONS: '1',
      LOG_LEVEL: 'warn',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const [, password] = await waitForOutput(child, () => text, /admin user "admin", password (\S+)/, 120_000);
    const [, url] = await waitForOutput(child, () => text, /dashboard {2}(http:\/\/\S+?)\/? /, 1_000);
    return { url: url!, gatewayUrl, adminPassword: password!, output: () => text, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
