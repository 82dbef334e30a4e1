import { setTimeout as sleep } from 'node:timers/promises';
import type { AdminApi } from './admin-api.js';
import type { AgentFleet } from './agent-fleet.js';
import { FAULT_SETTINGS } from './settings.js';

/** One port-forward write and what the API answered (0: no answer, the outcome is unknown). */
export interface WriteRecord {
  kind: 'create' | 'delete';
  nodeId: number;
  publicPort: number;
  forwardId: string | undefined;
  status: number;
  /** The Retry-After header of the answer, if any. */
  retryAfter: string | null;
  at: number;
  phase: string;
}

/** One command as issued; `id` only when the API acknowledged it (202). */
export interface CommandRecord {
  id: string | undefined;
  nodeId: number;
  type: string;
  status: number;
  at: number;
  phase: string;
}

/** The forwards each node must, must not, and may have after the writes so far. */
export interface ExpectedForwards {
  present: Map<number, Set<number>>;
  absent: Map<number, Set<number>>;
  uncertain: Map<number, Set<number>>;
}

/** A small seeded generator, so a run's choices can be replayed (mulberry32). */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const COMMAND_TYPES = ['ping', 'wg_show', 'reconcile'] as const;

/**
 * The operator's side of the run: port forwards created and deleted, commands issued, each
 * with the API's answer kept as the ledger the checks compare the final state with.
 */
export class Traffic {
  readonly writes: WriteRecord[] = [];
  readonly commands: CommandRecord[] = [];
  phase = 'setup';
  private readonly random: () => number;
  private nextPort = 20_000;
  /** Acknowledged forwards not yet (being) deleted, candidates for a delete. */
  private readonly live: Array<{ forwardId: string; nodeId: number; publicPort: number }> = [];
  private running: Promise<void> | undefined;
  private stopping = false;

  constructor(
    private readonly api: AdminApi,
    private readonly fleet: AgentFleet,
    readonly seed: number,
  ) {
    this.random = seeded(seed);
  }

  private pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)]!;
  }

  async createForward(nodeIndex?: number): Promise<WriteRecord> {
    const agent = nodeIndex === undefined ? this.pick(this.fleet.agents) : this.fleet.byIndex(nodeIndex);
    const target = this.pick(this.fleet.agents.filter((other) => other !== agent));
    const publicPort = this.nextPort++;
    const body = { protocol: 'tcp', public_port: publicPort, target_ip: target.tunnelIp, target_port: 8080 };
    const reply = await this.api.request<{ id: number | string }>('POST', `/v1/nodes/${agent.nodeId}/port-forwards`, body);
    const forwardId = reply.status === 201 ? String(reply.body.id) : undefined;
    if (forwardId) this.live.push({ forwardId, nodeId: agent.nodeId, publicPort });
    const record: WriteRecord = {
      kind: 'create',
      nodeId: agent.nodeId,
      publicPort,
      forwardId,
      status: reply.status,
      retryAfter: reply.retryAfter,
      at: Date.now(),
      phase: this.phase,
    };
    this.writes.push(record);
    return record;
  }

  async deleteForward(): Promise<WriteRecord | undefined> {
    if (this.live.length === 0) return undefined;
    const [victim] = this.live.splice(Math.floor(this.random() * this.live.length), 1);
    const reply = await this.api.request('DELETE', `/v1/port-forwards/${victim!.forwardId}`);
    const record: WriteRecord = { kind: 'delete', ...victim!, status: reply.status, retryAfter: reply.retryAfter, at: Date.now(), phase: this.phase };
    this.writes.push(record);
    return record;
  }

  async command(nodeIndex?: number, type?: (typeof COMMAND_TYPES)[number]): Promise<CommandRecord> {
    const agent = nodeIndex === undefined ? this.pick(this.fleet.agents) : this.fleet.byIndex(nodeIndex);
    const kind = type ?? this.pick(COMMAND_TYPES);
    const target = this.pick(this.fleet.agents.filter((other) => other !== agent));
    const body = kind === 'ping' ? { type: kind, args: { target_ip: target.tunnelIp, count: 1 } } : { type: kind };
    const reply = await this.api.request<{ id: string }>('POST', `/v1/nodes/${agent.nodeId}/commands`, body);
    const record: CommandRecord = {
      id: reply.status === 202 ? reply.body.id : undefined,
      nodeId: agent.nodeId,
      type: kind,
      status: reply.status,
      at: Date.now(),
      phase: this.phase,
    };
    this.commands.push(record);
    return record;
  }

  /** One step of normal traffic: mostly forward changes, every few steps a command. */
  async step(n: number): Promise<void> {
    if (n % FAULT_SETTINGS.commandEvery === 0) await this.command();
    else if (this.live.length > 10 && this.random() < 0.5) await this.deleteForward();
    else await this.createForward();
  }

  /** Runs steps in the background until stop(), at most `maxSteps` and `maxMs`. */
  start(maxSteps = 1_000, maxMs = 5 * 60_000): void {
    if (this.running) return;
    this.stopping = false;
    const deadline = Date.now() + maxMs;
    this.running = (async () => {
      for (let n = 0; n < maxSteps && !this.stopping && Date.now() < deadline; n += 1) {
        await this.step(n);
        await sleep(FAULT_SETTINGS.trafficIntervalMs);
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.running;
    this.running = undefined;
  }

  expectedForwards(): ExpectedForwards {
    const expected: ExpectedForwards = { present: new Map(), absent: new Map(), uncertain: new Map() };
    const set = (map: Map<number, Set<number>>, node: number) => map.get(node) ?? map.set(node, new Set()).get(node)!;
    for (const write of this.writes) {
      const acked = write.kind === 'create' ? write.status === 201 : write.status === 204;
      const known = acked || (write.status >= 400 && write.status < 500);
      if (!known) {
        set(expected.uncertain, write.nodeId).add(write.publicPort);
        set(expected.present, write.nodeId).delete(write.publicPort);
      } else if (acked && write.kind === 'create') {
        set(expected.present, write.nodeId).add(write.publicPort);
      } else if (acked) {
        set(expected.present, write.nodeId).delete(write.publicPort);
        set(expected.absent, write.nodeId).add(write.publicPort);
      }
    }
    return expected;
  }
}
