import type { WorkerCommand, WorkerReply, WorkerTarget } from './gateway-client-protocol.js';
import { type Child, spawnNode } from './child-service.js';
import { sourceAddresses } from './gateway-children.js';

const WORKER_SCRIPT = 'test/bench/support/gateway-client-worker.ts';
const REPLY_TIMEOUT_MS = 120_000;
/**
 * Source ports of the clients, below the ephemeral range (32768+) so they never collide with
 * a port the kernel hands out, on 127.0.0.2+ where nothing else binds.
 */
const SOURCE_PORT_BASE = 10_000;

type Opened = Extract<WorkerReply, { type: 'opened' }>;
type Snapshot = Extract<WorkerReply, { type: 'snapshot' }>;

export interface OpenResult {
  open: number;
  refused: Record<string, number>;
  errors: string[];
  /** From the first upgrade started to the last client ready (101 plus greeting), seconds. */
  seconds: number;
}

export interface PoolSnapshot {
  frames: number;
  closed: number;
  latenciesMicros: number[];
}

class Worker {
  private nextId = 1;
  private readonly waiting = new Map<number, (reply: WorkerReply) => void>();
  readonly ready: Promise<void>;

  constructor(readonly child: Child) {
    let markReady: () => void = () => undefined;
    this.ready = new Promise((resolve) => {
      markReady = resolve;
    });
    child.process.on('message', (reply: WorkerReply) => {
      if (reply.type === 'ready') return markReady();
      const resolve = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      resolve?.(reply);
    });
  }

  request(command: WorkerCommand): Promise<WorkerReply> {
    const id = this.nextId;
    this.nextId += 1;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`client worker did not answer ${command.type} in time:\n${this.child.tail()}`));
      }, REPLY_TIMEOUT_MS);
      const onExit = () => reject(new Error(`client worker exited:\n${this.child.tail()}`));
      this.child.process.once('exit', onExit);
      this.waiting.set(id, (reply) => {
        clearTimeout(timer);
        this.child.process.removeListener('exit', onExit);
        if (reply.type === 'failed') reject(new Error(`client worker: ${reply.error}`));
        else resolve(reply);
      });
      this.child.process.send({ ...command, id });
    });
  }
}

/**
 * WebSocket clients spread over several worker processes (one core cannot generate or absorb
 * the load alone) and over several loopback source addresses.
 */
export class ClientPool {
  /** Clients opened since the last reset: the next ones take the source ports after theirs. */
  private opened = 0;

  private constructor(private readonly workers: Worker[]) {}

  static async start(workers: number): Promise<ClientPool> {
    const pool = new ClientPool(
      Array.from(
        { length: workers },
        () =>
          new Worker(
            spawnNode({ args: ['--conditions=source', '--import', 'tsx', WORKER_SCRIPT], ipc: true }),
          ),
      ),
    );
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error('client workers did not start')), 30_000).unref(),
    );
    await Promise.race([Promise.all(pool.workers.map((worker) => worker.ready)), timeout]);
    return pool;
  }

  /**
   * Opens `count` clients, split evenly over the workers; `tokens` (one per client) are split
   * the same way. Concurrency is per worker.
   */
  async open(options: {
    target: WorkerTarget;
    count: number;
    tokens?: string[];
    mode: 'count' | 'latency' | 'idle';
    concurrency: number;
    /** How many 127.0.0.x source addresses to spread over (0: let the kernel choose). */
    addresses?: number;
  }): Promise<OpenResult> {
    const share = Math.ceil(options.count / this.workers.length);
    const addresses = sourceAddresses(options.addresses ?? 4);
    const replies = (await Promise.all(
      this.workers.map((worker, index) => {
        const from = index * share;
        const count = Math.max(0, Math.min(share, options.count - from));
        return worker.request({
          type: 'open',
          id: 0,
          target: options.target,
          count,
          ...(options.tokens ? { tokens: options.tokens.slice(from, from + count) } : {}),
          // Each worker starts at a different address so the first ones are not all on 127.0.0.2.
          source: { addresses, first: this.opened + from, portBase: SOURCE_PORT_BASE },
          concurrency: options.concurrency,
          mode: options.mode,
        });
      }),
    )) as Opened[];
    this.opened += options.count;
    const refused: Record<string, number> = {};
    for (const reply of replies) {
      for (const [key, value] of Object.entries(reply.refused)) refused[key] = (refused[key] ?? 0) + value;
    }
    const started = Math.min(...replies.map((reply) => reply.startedAt));
    const last = Math.max(...replies.map((reply) => reply.lastOpenAt));
    return {
      open: replies.reduce((sum, reply) => sum + reply.open, 0),
      refused,
      errors: replies.flatMap((reply) => reply.errors).slice(0, 3),
      seconds: (last - started) / 1e6,
    };
  }

  /** Cumulative event frames and closes over every worker, plus the latencies since the last call. */
  async snapshot(): Promise<PoolSnapshot> {
    const replies = (await Promise.all(
      this.workers.map((worker) => worker.request({ type: 'snapshot', id: 0 })),
    )) as Snapshot[];
    return {
      frames: replies.reduce((sum, reply) => sum + reply.frames, 0),
      closed: replies.reduce((sum, reply) => sum + reply.closed, 0),
      latenciesMicros: replies.flatMap((reply) => reply.latencies),
    };
  }

  /** Closes every client (the workers stay, for the next server). */
  async reset(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.request({ type: 'reset', id: 0 })));
    this.opened = 0;
  }

  /** CPU pids of the workers (to report how busy the generator was). */
  get pids(): number[] {
    return this.workers.map((worker) => worker.child.pid);
  }

  async close(): Promise<void> {
    await Promise.all(
      this.workers.map((worker) =>
        worker
          .request({ type: 'close', id: 0 })
          .catch(() => undefined)
          .then(() => worker.child.stop()),
      ),
    );
  }
}
