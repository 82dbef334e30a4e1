import fs from 'node:fs';
import path from 'node:path';
import { saveAgentConfig } from '@wirefleet/node-agent';
import { createEnrollmentKey, enrollNode } from '../../support/fleet.js';
import { agentEntry } from './entry-points.js';
import { type ExitRecord, ManagedProcess } from './managed-process.js';
import { FAULT_SETTINGS } from './settings.js';

/** One command run as the agent logged it (`command finished`). */
export interface CommandRun {
  id: string;
  nodeId: number;
  ok: boolean | undefined;
  at: number;
}

export interface FleetAgent {
  index: number;
  nodeId: number;
  name: string;
  tunnelIp: string;
  dir: string;
  process: ManagedProcess;
}

export interface FleetWiring {
  runDir: string;
  logDir: string;
  marker: Record<string, string>;
  apiUrl: string;
  gatewayUrl: string;
  adminToken: string;
  onExit: (exit: ExitRecord) => void;
  onSpawn: (pid: number) => void;
}

/**
 * About twenty `wirefleet-agent run --backend memory` processes, enrolled through the real API.
 * Runs are counted from what the agents log, not from command statuses: a command the API
 * shows once may still have run twice.
 */
export class AgentFleet {
  readonly agents: FleetAgent[] = [];
  readonly runs: CommandRun[] = [];
  /** The revision each node's agent last logged as applied (`config applied`). */
  readonly appliedRevision = new Map<number, number>();

  private constructor(private readonly wiring: FleetWiring) {}

  static async enroll(wiring: FleetWiring, count: number): Promise<AgentFleet> {
    const fleet = new AgentFleet(wiring);
    const { key } = await createEnrollmentKey(wiring.apiUrl, wiring.adminToken, { reusable: true, max_uses: count, ttl_seconds: 600 });
    // The agents never reach a shell: a PATH with nothing in it keeps a backend that wrongly
    // spawns a host tool (ping) from sending real packets off the machine.
    fs.mkdirSync(path.join(wiring.runDir, 'empty-path'), { recursive: true });
    for (let index = 0; index < count; index += 1) fleet.agents.push(await fleet.enrollOne(key, index));
    return fleet;
  }

  private async enrollOne(key: string, index: number): Promise<FleetAgent> {
    const name = `fault-${index}`;
    const listenPort = 51820 + index;
    const node = await enrollNode(this.wiring.apiUrl, key, { name, region: 'local', endpoint: `127.0.0.1:${listenPort}`, listen_port: listenPort });
    const dir = path.join(this.wiring.runDir, 'agents', name);
    const configPath = path.join(dir, 'agent.json');
    saveAgentConfig(
      configPath,
      {
        version: 1,
        api_url: this.wiring.apiUrl,
        gateway_url: this.wiring.gatewayUrl,
        node_id: node.node_id,
        name,
        network_cidr: node.network_cidr,
        tunnel_ip: node.tunnel_ip,
        interface: `wff${index}`,
        listen_port: listenPort,
        backend: 'memory',
        wireguard_public_key: node.publicKey,
      },
      { wireguardPrivateKey: node.privateKey, nodeSecret: node.node_secret },
    );
    const child = new ManagedProcess(
      {
        name,
        args: [...agentEntry().args, 'run', '--config', configPath, '--backend', 'memory'],
        env: {
          PATH: path.join(this.wiring.runDir, 'empty-path'),
          HOME: dir,
          LOG_LEVEL: 'info',
          WIREFLEET_STATUS_INTERVAL_SECONDS: String(FAULT_SETTINGS.agentStatusIntervalSeconds),
          WIREFLEET_RECONNECT_MAX_SECONDS: String(FAULT_SETTINGS.agentReconnectMaxSeconds),
          ...this.wiring.marker,
        },
        logFile: path.join(this.wiring.logDir, `${name}.log`),
        onLine: (line) => this.onLine(node.node_id, line),
      },
      this.wiring.onExit,
      this.wiring.onSpawn,
    );
    return { index, nodeId: node.node_id, name, tunnelIp: node.tunnel_ip, dir, process: child };
  }

  private onLine(nodeId: number, line: string): void {
    if (!line.startsWith('{')) return;
    let entry: { msg?: unknown; id?: unknown; ok?: unknown; revision?: unknown };
    try {
      entry = JSON.parse(line);
    } catch {
      return;
    }
    if (entry.msg === 'command finished' && typeof entry.id === 'string') {
      this.runs.push({ id: entry.id, nodeId, ok: typeof entry.ok === 'boolean' ? entry.ok : undefined, at: Date.now() });
    } else if (entry.msg === 'config applied' && typeof entry.revision === 'number') {
      this.appliedRevision.set(nodeId, entry.revision);
    }
  }

  /** Starts every agent, a few at a time (each one compiles or loads its code on a shared CPU). */
  async startAll(batch = 5): Promise<void> {
    for (let i = 0; i < this.agents.length; i += batch) {
      await Promise.all(this.agents.slice(i, i + batch).map((agent) => agent.process.start()));
    }
  }

  byIndex(index: number): FleetAgent {
    const agent = this.agents[index];
    if (!agent) throw new Error(`no agent ${index}`);
    return agent;
  }

  runsOf(id: string): CommandRun[] {
    return this.runs.filter((run) => run.id === id);
  }

  /** The port forwards of the last config the agent applied (its state/last-config.jws payload). */
  appliedForwards(agent: FleetAgent): string[] | undefined {
    const file = path.join(agent.dir, 'state', 'last-config.jws');
    if (!fs.existsSync(file)) return undefined;
    const payload = fs.readFileSync(file, 'utf8').split('.')[1] ?? '';
    const config = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
      port_forwards?: Array<{ protocol: string; public_port: number }>;
    };
    return (config.port_forwards ?? []).map((forward) => `${forward.protocol}:${forward.public_port}`).sort();
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.agents.map((agent) => agent.process.stop(5_000)));
  }
}
