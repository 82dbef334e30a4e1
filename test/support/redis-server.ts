import { type ChildProcess, spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import { freePort } from './free-port.js';

/** A private redis-server on a spare port, for tests that stop and start Redis. */
export interface PrivateRedis {
  url: string;
  port: number;
  stop(): Promise<void>;
  start(): Promise<void>;
}


async function waitForPing(url: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => undefined); // Refusals are expected while it starts.
    try {
      await client.connect();
      if ((await client.ping()) === 'PONG') return;
    } catch {
      // Not up yet.
    } finally {
      client.disconnect();
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`redis-server at ${url} did not come up`);
}

/** `env` is added to the server's environment (e.g. a marker for cleaning up after a crashed run). */
export async function startPrivateRedis(options: { env?: Record<string, string> } = {}): Promise<PrivateRedis> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
      ...(options.env ? { env: { ...process.env, ...options.env } } : {}),
    });
    child.once('error', (error) => {
      throw new Error(`could not start redis-server (is it installed?): ${error.message}`);
    });
    await waitForPing(url);
  };
  const stop = async () => {
    const running = child;
    if (!running || running.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve());
      running.kill('SIGKILL');
    });
  };
  await start();
  return { url, port, start, stop };
}
