import net from 'node:net';

/** Where the integration tiers find their real services; override with TEST_DATABASE_URL / TEST_REDIS_URL. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export const IN_CI = process.env.CI === 'true' || process.env.CI === '1';

function canConnect(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port) });
    socket.setTimeout(2_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** Fails loudly, naming what is missing and how to get it, instead of skipping. */
export async function assertServicesReachable(): Promise<void> {
  const missing: string[] = [];
  if (!(await canConnect(TEST_DATABASE_URL))) {
    missing.push(`PostgreSQL at ${TEST_DATABASE_URL} (start it, e.g. 'pg_ctlcluster 15 main start', or set TEST_DATABASE_URL)`);
  }
  if (!(await canConnect(TEST_REDIS_URL))) {
    missing.push(`Redis at ${TEST_REDIS_URL} (start it, e.g. 'redis-server --daemonize yes', or set TEST_REDIS_URL)`);
  }
  if (missing.length > 0) {
    throw new Error(`integration tests need real services that are not reachable:\n  ${missing.join('\n  ')}`);
  }
}
