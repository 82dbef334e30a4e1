import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { findExecutable, hasExecutables } from './executables.js';

const run = promisify(execFile);
const SERVER_TOOLS = ['initdb', 'pg_ctl', 'postgres'];
/** Where Debian and Ubuntu install the server binaries (one folder per major version). */
const DEBIAN_ROOT = '/usr/lib/postgresql';

/**
 * A PostgreSQL cluster of its own for tests that stop and start the database: its own data
 * folder, its own loopback port, trust authentication for `postgres`. Never the machine's.
 */
export interface PrivatePostgres {
  port: number;
  /** `postgres://postgres@127.0.0.1:<port>/<database>`. */
  url(database: string): string;
  start(): Promise<void>;
  /** `fast` disconnects clients and shuts down cleanly; `immediate` is a crash. */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /** Stops (immediate) and ignores a cluster that is already down. */
  close(): Promise<void>;
}

/**
 * The folder of the server binaries, found at run time: `pg_config --bindir`, then `initdb` on
 * PATH, then the newest version under Debian's layout (where the server tools are not on PATH).
 */
export function postgresBinDir(): string | undefined {
  const pgConfig = findExecutable('pg_config');
  if (pgConfig) {
    try {
      const dir = execFileSync(pgConfig, ['--bindir'], { encoding: 'utf8' }).trim();
      if (hasExecutables(dir, SERVER_TOOLS)) return dir;
    } catch {
      // A client-only pg_config; look elsewhere.
    }
  }
  const initdb = findExecutable('initdb');
  if (initdb) {
    const dir = path.dirname(fs.realpathSync(initdb));
    if (hasExecutables(dir, SERVER_TOOLS)) return dir;
  }
  const versions = fs.existsSync(DEBIAN_ROOT) ? fs.readdirSync(DEBIAN_ROOT).filter((v) => /^\d+(\.\d+)?$/.test(v)) : [];
  versions.sort((a, b) => Number(b) - Number(a));
  return versions.map((v) => path.join(DEBIAN_ROOT, v, 'bin')).find((dir) => hasExecutables(dir, SERVER_TOOLS));
}

/** What is missing to run a private cluster here, or undefined when nothing is. */
export function postgresPrerequisiteProblem(): string | undefined {
  if (!postgresBinDir()) return 'the PostgreSQL server binaries (initdb, pg_ctl, postgres; Debian package "postgresql")';
  if (process.getuid?.() === 0 && !findExecutable('runuser', ['/usr/sbin', '/sbin'])) {
    return 'runuser (util-linux), to run initdb as the postgres user (initdb refuses root)';
  }
  return undefined;
}

/** initdb and the server refuse root: as root, every server tool runs as the `postgres` user. */
function serverCommand(binDir: string, tool: string, args: string[]): [string, string[]] {
  const file = path.join(binDir, tool);
  if (process.getuid?.() !== 0) return [file, args];
  return [findExecutable('runuser', ['/usr/sbin', '/sbin'])!, ['-u', 'postgres', '--', file, ...args]];
}

function ownToPostgres(dir: string): void {
  if (process.getuid?.() !== 0) return;
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  fs.chownSync(dir, uid, gid);
}

/**
 * Creates a cluster in `dir` (which must not exist; its parent must be traversable by the
 * `postgres` user), starts it on 127.0.0.1:`port` with the socket in `dir`, and creates
 * `databases`. Durability is off (fsync, synchronous_commit): crash tests restart the server,
 * not the machine. `env` is passed to the server (e.g. a marker for cleaning up after a crash).
 */
export async function startPrivatePostgres(options: {
  dir: string;
  port: number;
  databases?: string[];
  env?: Record<string, string>;
}): Promise<PrivatePostgres> {
  const binDir = postgresBinDir();
  const problem = postgresPrerequisiteProblem();
  if (!binDir || problem) throw new Error(`a private PostgreSQL cluster needs ${problem}`);
  const { dir, port } = options;
  const dataDir = path.join(dir, 'data');
  fs.mkdirSync(dir, { mode: 0o700 });
  ownToPostgres(dir);
  const tool = async (name: string, args: string[], timeoutMs = 60_000) => {
    const [file, argv] = serverCommand(binDir, name, args);
    try {
      await run(file, argv, { cwd: dir, timeout: timeoutMs, env: { ...process.env, ...options.env } });
    } catch (error) {
      const failed = error as { stderr?: string; message: string };
      throw new Error(`${name} ${args.join(' ')} failed: ${failed.stderr || failed.message}`);
    }
  };
  await tool('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
  fs.appendFileSync(
    path.join(dataDir, 'postgresql.conf'),
    [
      `port = ${port}`,
      "listen_addresses = '127.0.0.1'",
      `unix_socket_directories = '${dir}'`,
      'max_connections = 200',
      'fsync = off',
      'synchronous_commit = off',
      'full_page_writes = off',
      '',
    ].join('\n'),
  );
  const logFile = path.join(dir, 'postgres.log');
  const cluster: PrivatePostgres = {
    port,
    url: (database) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    start: () => tool('pg_ctl', ['-D', dataDir, '-l', logFile, '-w', '-t', '30', 'start']),
    stop: (mode = 'fast') => tool('pg_ctl', ['-D', dataDir, '-m', mode, '-w', '-t', '30', 'stop']),
    close: async () => {
      if (fs.existsSync(path.join(dataDir, 'postmaster.pid'))) await cluster.stop('immediate').catch(() => undefined);
    },
  };
  await cluster.start();
  const admin = new pg.Client({ connectionString: cluster.url('postgres') });
  await admin.connect();
  try {
    for (const database of options.databases ?? []) await admin.query(`CREATE DATABASE "${database}"`);
  } finally {
    await admin.end();
  }
  return cluster;
}

/** Stops a cluster a crashed run left in `dir` (its postmaster.pid says it may still run). */
export async function stopLeftoverPostgres(dir: string): Promise<void> {
  const dataDir = path.join(dir, 'data');
  const binDir = postgresBinDir();
  if (!binDir || !fs.existsSync(path.join(dataDir, 'postmaster.pid'))) return;
  const [file, argv] = serverCommand(binDir, 'pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', '-t', '10', 'stop']);
  await run(file, argv, { cwd: dir, timeout: 20_000 }).catch(() => undefined);
}
