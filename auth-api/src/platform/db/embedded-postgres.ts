import { mkdir, open, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import type { Logger } from 'pino';

export interface EmbeddedPostgres {
  /** Connection string for pg/knex, e.g. `postgres://postgres@127.0.0.1:40123/postgres`. */
  url: string;
  /** Pool size to give knex (`pool: { min: 0, max: maxConnections }`). Always 1; see below. */
  maxConnections: number;
  /** Stops the socket server, then shuts PGlite down cleanly. Destroy knex pools first. Idempotent. */
  close(): Promise<void>;
}

/**
 * Pool size for clients. PGlite is one Postgres backend: one session, one transaction at a
 * time. pglite-socket 0.2.x can multiplex several client connections onto it, but that buys
 * no parallelism and has sharp edges, so each knex pool gets a single connection:
 * - a query sent on another connection while a transaction is open waits in the server's
 *   queue, with no timeout, until that transaction ends. Code that awaits a non-`trx` query
 *   inside `knex.transaction()` therefore hangs forever; with a pool of 1 the same bug fails
 *   after knex's `acquireConnectionTimeout` with "Are you missing a .transacting(trx) call?".
 * - "connections" share session state (SET, PREPARE, temp tables, the unnamed statement), and
 *   the queue interleaves per protocol message, so an extended-query sequence that reaches the
 *   server in two TCP reads can have another connection's Parse slip in between.
 */
const POOL_SIZE = 1;

/**
 * Connections the socket server accepts. More than POOL_SIZE so that a pool replacing a
 * connection, a short-lived second client (migration run, psql) or a reconnect that overlaps
 * the old socket's close is multiplexed instead of cut off; at the limit the server drops the
 * socket and pg only reports "Connection terminated unexpectedly".
 */
const SERVER_CONNECTION_LIMIT = 4;

const LOCK_FILE = 'wirefleet.lock';

/**
 * Starts PGlite on `dataDir` (created if missing, persisted across restarts) and serves it over
 * the Postgres wire protocol on 127.0.0.1 with an OS-assigned port, so the same pg/knex code
 * and migrations run against it as against a real server. One process per data dir: a lock
 * file refuses a second opener, because PGlite itself does not detect one and two writers
 * would corrupt the cluster.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  logger?: Logger;
}): Promise<EmbeddedPostgres> {
  const dataDir = path.resolve(options.dataDir);
  // The database's subsystem logger; each line says it is the embedded server's.
  const log = options.logger;
  await mkdir(dataDir, { recursive: true });
  const releaseLock = await acquireLock(path.join(dataDir, LOCK_FILE));

  let db: PGlite | undefined;
  let server: PGLiteSocketServer | undefined;
  try {
    const startedAt = Date.now();
    db = await PGlite.create({
      dataDir,
      // PGlite reports crash recovery and shutdown on stderr; only its debug mode prints it.
      onStderr: (line) => {
        logPostgresLine(log, line);
        return false;
      },
    });
    server = new PGLiteSocketServer({
      db,
      host: '127.0.0.1',
      port: 0,
      maxConnections: SERVER_CONNECTION_LIMIT,
    });
    server.addEventListener('error', (event) => {
      log?.error({ err: (event as CustomEvent<unknown>).detail }, 'embedded postgres socket error');
    });
    await server.start();
    const port = listeningPort(server.getServerConn());
    const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
    log?.info({ dataDir, port, startupMs: Date.now() - startedAt }, 'embedded postgres (PGlite) started');

    const startedDb = db;
    const startedServer = server;
    let closing: Promise<void> | undefined;
    return {
      url,
      maxConnections: POOL_SIZE,
      close: () => {
        closing ??= shutdown(startedServer, startedDb, releaseLock, log);
        return closing;
      },
    };
  } catch (err) {
    // Report the start failure, not a secondary one from tearing down what had started.
    await shutdown(server, db, releaseLock, log).catch((closeErr: unknown) => {
      log?.warn({ err: closeErr }, 'embedded postgres: cleanup after a failed start failed');
    });
    throw err;
  }
}

async function shutdown(
  server: PGLiteSocketServer | undefined,
  db: PGlite | undefined,
  releaseLock: () => Promise<void>,
  log: Logger | undefined,
): Promise<void> {
  try {
    // The server first: stop() rolls back a transaction a client left open and closes the
    // sockets, so nothing reaches PGlite after it is closed.
    await server?.stop();
    // close() checkpoints and shuts the backend down, so the next start needs no WAL recovery.
    if (db && !db.closed) await db.close();
    log?.info('embedded postgres stopped');
  } finally {
    await releaseLock();
  }
}

function listeningPort(serverConn: string): number {
  const match = /:(\d+)$/.exec(serverConn);
  const port = Number(match?.[1]);
  if (!match || !Number.isInteger(port) || port <= 0) {
    throw new Error(`embedded postgres: cannot read the listening port from "${serverConn}"`);
  }
  return port;
}

function logPostgresLine(log: Logger | undefined, line: string): void {
  if (!log || line.trim() === '') return;
  if (/\b(WARNING|ERROR|FATAL|PANIC):/.test(line) || line.includes('not properly shut down')) {
    log.warn({ postgres: line }, 'embedded postgres log');
  } else {
    log.debug({ postgres: line }, 'embedded postgres log');
  }
}

/** Lock files this process holds: tells our own live lock from a stale one that got our pid. */
const heldLocks = new Set<string>();

/**
 * Creates the lock file exclusively, holding our pid. A lock whose process is gone (a crash) is
 * stale and taken over; so is one carrying our own pid that this process does not hold, which
 * happens when a container restarts and the app gets the same pid (often 1) again.
 */
async function acquireLock(lockPath: string): Promise<() => Promise<void>> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(lockPath, 'wx');
      try {
        await handle.writeFile(`${process.pid}\n`);
      } finally {
        await handle.close();
      }
      heldLocks.add(lockPath);
      return async () => {
        heldLocks.delete(lockPath);
        await rm(lockPath, { force: true });
      };
    } catch (err) {
      if (!isErrno(err, 'EEXIST')) throw err;
    }
    const holder = await readLockHolder(lockPath);
    const live = holder === process.pid ? heldLocks.has(lockPath) : holder !== undefined && isAlive(holder);
    if (live) {
      throw new Error(
        `embedded postgres: ${path.dirname(lockPath)} is in use by process ${holder}; PGlite allows ` +
          `one process per data dir (delete ${lockPath} only if that process is not a Wirefleet instance)`,
      );
    }
    await rm(lockPath, { force: true });
  }
  throw new Error(`embedded postgres: could not take the lock ${lockPath}`);
}

/** The pid in the lock file; undefined when it vanished or was left half-written by a crash. */
async function readLockHolder(lockPath: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await readFile(lockPath, 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return undefined;
    throw err;
  }
  const pid = Number.parseInt(text, 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return isErrno(err, 'EPERM');
  }
}

function isErrno(err: unknown, code: string): boolean {
  return err instanceof Error && (err as NodeJS.ErrnoException).code === code;
}
