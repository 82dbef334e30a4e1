import { type Child, REPO_ROOT, spawnNode, waitHealthy } from './child-service.js';
import { gatewayEntry } from './gateway-servers.js';
import type { StormCommand, StormReply, StormReport } from './storm-protocol.js';

const TSX = ['--conditions=source', '--import', 'tsx'];
// Opening 11,500 viewers on a loaded 2-core machine, 4 subscribes each, takes minutes.
const REPLY_TIMEOUT_MS = 420_000;

type Command = StormCommand extends infer C ? (C extends { id: number } ? Omit<C, 'id'> : never) : never;

/** A load process of the storm bench, asked over IPC (one request at a time per kind is enough). */
export class StormProcess {
  private nextId = 1;
  private readonly waiting = new Map<number, (reply: StormReply) => void>();
  readonly ready: Promise<void>;

  private constructor(readonly child: Child) {
    let markReady: () => void = () => undefined;
    this.ready = new Promise((resolve) => {
      markReady = resolve;
    });
    child.process.on('message', (reply: StormReply) => {
      if (reply.type === 'ready') return markReady();
      const resolve = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      resolve?.(reply);
    });
  }

  static async start(script: string): Promise<StormProcess> {
    const started = new StormProcess(spawnNode({ args: [...TSX, script], ipc: true }));
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(
        () => reject(new Error(`${script} did not start:\n${started.child.tail()}`)),
        30_000,
      ).unref(),
    );
    await Promise.race([started.ready, timeout]);
    return started;
  }

  request(command: Command): Promise<StormReply> {
    const id = this.nextId;
    this.nextId += 1;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`storm process did not answer ${command.type} in time:\n${this.child.tail()}`));
      }, REPLY_TIMEOUT_MS);
      const onExit = () => reject(new Error(`storm process exited:\n${this.child.tail()}`));
      this.child.process.once('exit', onExit);
      this.waiting.set(id, (reply) => {
        clearTimeout(timer);
        this.child.process.removeListener('exit', onExit);
        if (reply.type === 'failed') reject(new Error(`storm process: ${reply.error}`));
        else resolve(reply);
      });
      this.child.process.send({ ...command, id });
    });
  }

  async report(): Promise<StormReport> {
    const reply = await this.request({ type: 'report' });
    if (reply.type !== 'report') throw new Error(`expected a report, got ${reply.type}`);
    return reply.report;
  }

  async close(): Promise<void> {
    // Already closed once (the agent host is closed after its measurement and again at the end).
    if (this.child.process.connected) await this.request({ type: 'close' }).catch(() => undefined);
    await this.child.stop();
  }
}

export const VIEWER_WORKER = 'test/bench/support/storm-viewer-worker.ts';
export const AGENT_HOST = 'test/bench/support/storm-agent-host.ts';

/** A server child on a port chosen by the bench, so a restart listens where its clients return. */
export interface PortServer {
  child: Child;
  pid: number;
  /** Error-level lines it logged (pino `"level":"error"`). */
  errorLines(): string[];
}

function withErrorLines(child: Child): PortServer {
  const errors: string[] = [];
  let partial = '';
  child.process.stdout?.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines)
      if (line.includes('"level":"error"') || line.includes('"level":"fatal"')) errors.push(line);
  });
  return { child, pid: child.pid, errorLines: () => errors };
}

/** The built gateway (as gateway-servers.ts runs it) on `port`; resolves once /readyz answers. */
export async function startGatewayOnPort(port: number, env: Record<string, string>): Promise<PortServer> {
  const child = spawnNode({
    args: gatewayEntry().args,
    env: { GATEWAY_HOST: '127.0.0.1', GATEWAY_PORT: String(port), LOG_LEVEL: 'info', ...env },
  });
  const server = withErrorLines(child);
  await waitHealthy(child, `http://127.0.0.1:${port}/readyz`, 30_000);
  return server;
}

/** The bare uWS relay (gateway-uws-relay.ts) on `port`: no auth, no rooms, no history. */
export async function startRelayOnPort(port: number, redisUrl: string, channel: string): Promise<PortServer> {
  const child = spawnNode({
    args: [...TSX, 'test/bench/support/gateway-uws-relay.ts'],
    env: {
      BENCH_PORT: String(port),
      REDIS_URL: redisUrl,
      RELAY_CHANNEL: channel,
      RELAY_TOPIC: 'fleet',
      RELAY_MODE: 'direct',
    },
  });
  const server = withErrorLines(child);
  await waitHealthy(child, `http://127.0.0.1:${port}/healthz`, 30_000);
  return server;
}

/** Kills like a crash (no close frames: every client sees 1006) and waits for the exit. */
export async function crash(server: PortServer): Promise<void> {
  const exited = new Promise<void>((resolve) => server.child.process.once('exit', () => resolve()));
  server.child.process.kill('SIGKILL');
  await exited;
}

export { REPO_ROOT };
