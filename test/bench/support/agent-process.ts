import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Jwks } from '@wirefleet/shared/tokens';
import { randomKey } from './agent-fixtures.js';
import { REPO_ROOT } from './child-service.js';

/** The compiled modules, one file each (what `node node-agent/dist/main.js` loads). */
export const AGENT_MAIN = path.join(REPO_ROOT, 'node-agent/dist/main.js');
/** How the agent ships: the installed command, which runs the bundle with its V8 flags (shebang). */
export const AGENT_BIN = path.join(REPO_ROOT, 'node-agent/bin/wirefleet-agent.js');
/** The bundle `npm run build` makes, which AGENT_BIN runs. */
export const AGENT_BUNDLE = path.join(REPO_ROOT, 'node-agent/dist/wirefleet-agent.mjs');

/** An address nothing listens on: the agent must start, fail to connect, and idle. */
const UNREACHABLE = '127.0.0.1:9';

/**
 * Writes what `wirefleet-agent enroll` would leave behind (agent.json, the two 0600 secrets)
 * plus, optionally, a state/ folder with a signed config and the JWKS that verifies it.
 */
export function writeAgentDir(options: {
  dir: string;
  interfaceName: string;
  backend: 'linux' | 'memory';
  privateKey: string;
  /** Default: nothing listens (127.0.0.1:9). */
  apiUrl?: string;
  state?: { lastConfig: string; jwks: Jwks };
}): string {
  const { dir } = options;
  fs.mkdirSync(path.join(dir, 'state'), { recursive: true, mode: 0o700 });
  const config = {
    version: 1,
    api_url: options.apiUrl ?? `http://${UNREACHABLE}`,
    gateway_url: `ws://${UNREACHABLE}`,
    node_id: 1,
    name: 'bench-agent',
    network_cidr: '100.96.0.0/16',
    tunnel_ip: '100.96.0.1',
    interface: options.interfaceName,
    listen_port: 51820,
    backend: options.backend,
    // Not used by `run`, but agent.json must hold a well-formed key.
    wireguard_public_key: randomKey(),
  };
  fs.writeFileSync(path.join(dir, 'agent.json'), `${JSON.stringify(config, null, 2)}\n`);
  fs.writeFileSync(path.join(dir, 'wireguard.key'), `${options.privateKey}\n`, { mode: 0o600 });
  fs.writeFileSync(path.join(dir, 'node.secret'), 'bench-node-secret\n', { mode: 0o600 });
  if (options.state) {
    fs.writeFileSync(path.join(dir, 'state', 'last-config.jws'), options.state.lastConfig, { mode: 0o600 });
    fs.writeFileSync(path.join(dir, 'state', 'jwks.json'), JSON.stringify(options.state.jwks), { mode: 0o600 });
  }
  return path.join(dir, 'agent.json');
}

/** A child process whose output is kept (the agent logs JSON lines) and that can be stopped. */
export interface WatchedProcess {
  pid: number;
  output(): string;
  alive(): boolean;
  /** Resolves when the output matches, rejects on exit or timeout. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

export function spawnWatched(file: string, args: string[], env: Record<string, string> = {}): WatchedProcess {
  // The `node` a shebang finds is this one.
  const PATH = [path.dirname(process.execPath), process.env.PATH ?? ''].join(':');
  const child = spawn(file, args, {
    cwd: REPO_ROOT,
    env: { PATH, HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const keep = (chunk: Buffer) => {
    // Bounded: an agent retrying an unreachable API logs a line per attempt.
    text = (text + chunk.toString('utf8')).slice(-64 * 1024);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return {
    pid: child.pid ?? -1,
    output: () => text,
    alive: () => !exited(child),
    async waitFor(pattern, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(text)) {
        if (exited(child)) throw new Error(`${file} exited (${child.exitCode}) before ${pattern}:\n${text.slice(-2000)}`);
        if (Date.now() > deadline) throw new Error(`${file}: no ${pattern} within ${timeoutMs} ms:\n${text.slice(-2000)}`);
        await sleep(50);
      }
    },
    async stop() {
      if (exited(child)) return;
      const done = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await done;
      clearTimeout(timer);
    },
  };
}

/** The V8 flags the agent ships with: those of AGENT_BIN's `#!/usr/bin/env -S node …` line. */
export function shippedNodeFlags(): string[] {
  const shebang = fs.readFileSync(AGENT_BIN, 'utf8').split('\n', 1)[0] ?? '';
  const words = shebang.split(/\s+/);
  return words.slice(words.indexOf('node') + 1).filter(Boolean);
}
