import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import type { TestHost } from './netns.js';

const exec = promisify(execFile);

export const REPO_ROOT = path.resolve(import.meta.dirname, '../..');
export const INSTALL_SCRIPT = path.join(REPO_ROOT, 'infra/install-agent.sh');
export const SYSTEMD_UNIT = path.join(REPO_ROOT, 'infra/systemd/wirefleet-agent.service');

export const sha256Of = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/** `npm run release:agent -- --out dir`: builds the agent and writes bundle + manifest into `dir`. */
export async function buildRelease(dir: string): Promise<{ version: string; file: string; sha256: string }> {
  await exec('npm', ['run', 'release:agent', '--', '--out', dir], { cwd: REPO_ROOT, timeout: 240_000 });
  return JSON.parse(fs.readFileSync(path.join(dir, 'agent-release.json'), 'utf8'));
}

/** A TCP port free on `host` right now (the API then listens on it, so its public URL is known up front). */
export function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface ScriptRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** `curl -fsSL <api>/install.sh | bash -s -- <args>` inside `host`, as an operator would type it. */
export async function curlInstall(host: TestHost, apiUrl: string, args: string[]): Promise<ScriptRun> {
  const quoted = args.map((arg) => `'${arg.replaceAll("'", `'\\''`)}'`).join(' ');
  const command = `set -o pipefail; curl -fsSL '${apiUrl}/install.sh' | bash -s -- ${quoted}`;
  try {
    const { stdout, stderr } = await exec('ip', ['netns', 'exec', host.ns, 'bash', '-c', command], {
      timeout: 120_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof failed.code === 'number' ? failed.code : -1,
      stdout: failed.stdout ?? '',
      stderr: failed.stderr ?? '',
    };
  }
}

/**
 * Every path under `root` with what identifies its state: content hash, mode and mtime for
 * files, the target for symlinks. Two equal snapshots mean nothing was written in between.
 */
export function treeSnapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      const rel = path.relative(root, full);
      const stat = fs.lstatSync(full);
      if (entry.isSymbolicLink()) out[rel] = `-> ${fs.readlinkSync(full)} ${stat.mtimeMs}`;
      else if (entry.isDirectory()) {
        out[rel] = `dir ${(stat.mode & 0o7777).toString(8)}`;
        walk(full);
      } else out[rel] = `${sha256Of(full)} ${(stat.mode & 0o7777).toString(8)} ${stat.mtimeMs}`;
    }
  };
  walk(root);
  return out;
}

/**
 * The systemd unit the script writes, with its shell variables given their values on a real
 * host (no --root): what the script installs as /etc/systemd/system/wirefleet-agent.service.
 */
export function unitInScript(script: string): string {
  const match = /write_if_changed "\$UNIT" "([\s\S]*?)" 0644/.exec(script);
  if (!match) throw new Error('install-agent.sh writes no unit (write_if_changed "$UNIT" "…" 0644)');
  return match[1]!
    .replaceAll('\\"', '"')
    .replaceAll('\\`', '`')
    .replaceAll('$BIN', '/usr/local/bin/wirefleet-agent')
    .replaceAll('$CONFIG_DIR', '/etc/wirefleet')
    .replaceAll('$CONFIG', '/etc/wirefleet/agent.json');
}
