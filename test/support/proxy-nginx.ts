import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findExecutable } from './executables.js';

/** The nginx configuration that ships (docker-compose.yml mounts this same file). */
export const NGINX_TEMPLATE = fileURLToPath(
  new URL('../../infra/nginx/wirefleet.conf.template', import.meta.url),
);

const PLACEHOLDER = /\$\{(WIREFLEET_[A-Z0-9_]+)\}/g;

/** The `${WIREFLEET_…}` names the template needs, each once, in order of appearance. */
export function templatePlaceholders(text = fs.readFileSync(NGINX_TEMPLATE, 'utf8')): string[] {
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((match) => match[1]!))];
}

/**
 * The template with every placeholder filled, as envsubst does in the official image; a name
 * without a value fails here rather than reaching nginx as a literal `${…}`.
 */
export function renderNginxTemplate(
  values: Record<string, string>,
  text = fs.readFileSync(NGINX_TEMPLATE, 'utf8'),
): string {
  const missing = templatePlaceholders(text).filter((name) => values[name] === undefined);
  if (missing.length > 0) throw new Error(`no value for ${missing.join(', ')} in the nginx template`);
  return text.replace(PLACEHOLDER, (_match, name: string) => values[name]!);
}

/** Debian's nginx (in /usr/sbin, which a non-root PATH may lack), or undefined. */
export function findNginx(): string | undefined {
  return findExecutable('nginx', ['/usr/sbin']);
}

export interface RunningNginx {
  /** Everything nginx wrote to stderr (its error log). */
  errors(): string;
  accessLog(): string;
  stop(): Promise<void>;
}

/**
 * Runs `site` (an http-context file such as the rendered template) in a private nginx: a
 * foreground master with one worker, its pid, logs and temporary files under `dir`, so it needs
 * no system paths and leaves nothing behind. Resolves once `port` accepts connections.
 */
export async function startNginx(options: {
  bin: string;
  dir: string;
  site: string;
  port: number;
}): Promise<RunningNginx> {
  const { bin, dir } = options;
  // Workers drop to `nobody` when the master runs as root: they must reach the temp folders.
  fs.chmodSync(dir, 0o755);
  const sitePath = path.join(dir, 'wirefleet.conf');
  fs.writeFileSync(sitePath, options.site);
  const temp = (name: string) => `${name}_temp_path ${path.join(dir, `${name}-temp`)};`;
  const main = [
    'daemon off;',
    'master_process on;',
    // One worker: one round-robin state, so consecutive sockets alternate between gateways.
    'worker_processes 1;',
    `pid ${path.join(dir, 'nginx.pid')};`,
    'error_log stderr notice;',
    'events { worker_connections 512; }',
    'http {',
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(temp),
    `  include ${sitePath};`,
    '}',
    '',
  ].join('\n');
  const conf = path.join(dir, 'nginx.conf');
  fs.writeFileSync(conf, main);
  const args = ['-p', `${dir}/`, '-c', conf, '-e', 'stderr'];
  try {
    execFileSync(bin, [...args, '-t', '-q'], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    throw new Error(
      `nginx refused the rendered configuration:\n${String((error as { stderr?: Buffer }).stderr ?? error)}`,
    );
  }
  const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  await waitListening(child, options.port, () => stderr);
  const accessLog = path.join(dir, 'access.log');
  return {
    errors: () => stderr,
    accessLog: () => (fs.existsSync(accessLog) ? fs.readFileSync(accessLog, 'utf8') : ''),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      // SIGQUIT: graceful shutdown of master and workers; SIGKILL if it hangs.
      child.kill('SIGQUIT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function waitListening(child: ChildProcess, port: number, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}:\n${stderr()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`nginx did not listen on ${port}:\n${stderr()}`);
}
