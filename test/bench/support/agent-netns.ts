import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import {
  type CommandRunner,
  execFileRunner,
  netnsRunner,
} from '../../../node-agent/src/dataplane/linux/command-runner.js';
import { DEFAULT_UAPI_DIR, UapiClient } from '../../../node-agent/src/dataplane/linux/uapi-client.js';
import { msSince } from './stats.js';

const exec = promisify(execFile);

/** What the agent benchmarks need on the host: root, /dev/net/tun and these programs. */
const TOOLS = ['ip', 'wg', 'wireguard-go', 'nft', 'sysctl'];

export function netnsPrerequisitesMissing(): string[] {
  const missing: string[] = [];
  if (process.getuid?.() !== 0) missing.push('root');
  if (!fs.existsSync('/dev/net/tun')) missing.push('/dev/net/tun');
  const path = (process.env.PATH ?? '').split(':');
  for (const tool of TOOLS) if (!path.some((dir) => fs.existsSync(`${dir}/${tool}`))) missing.push(tool);
  return missing;
}

/** Whether a pid still runs; a zombie (killed, not yet reaped by init) has let go of everything. */
function running(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** One namespace with a WireGuard interface name of its own (the UAPI socket dir is shared). */
export interface BenchNetns {
  name: string;
  ifname: string;
  /** Runs an allowed program inside the namespace, as the dataplane's netns runner does. */
  run: CommandRunner;
  uapi: UapiClient;
}

/**
 * Creates namespaces named `wfb<run id>n<k>` and removes every one of them, the processes in
 * them and their UAPI sockets, on `destroy`/`closeAll`. Names double as interface names, so
 * they must stay within 15 bytes: 3 + 6 + 1 + up to 4 digits.
 */
export class NetnsPool {
  private readonly id = randomBytes(3).toString('hex');
  private count = 0;
  private readonly live = new Set<BenchNetns>();

  async create(): Promise<BenchNetns> {
    const name = `wfb${this.id}n${this.count}`;
    this.count += 1;
    const ns: BenchNetns = {
      name,
      ifname: name,
      run: netnsRunner(execFileRunner, name),
      uapi: new UapiClient(name),
    };
    await exec('ip', ['netns', 'add', name]);
    // Tracked before anything else can fail, so closeAll always sees it.
    this.live.add(ns);
    await exec('ip', ['netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up']);
    return ns;
  }

  /**
   * Starts wireguard-go for `ns.ifname` inside the namespace and waits for its UAPI socket;
   * returns how long that took (ms). The environment is the dataplane's: LOG_LEVEL and
   * WG_PROCESS_FOREGROUND would keep the daemon attached to our pipes.
   */
  async startWireguardGo(ns: BenchNetns): Promise<number> {
    const started = process.hrtime.bigint();
    const env = { ...process.env };
    delete env.LOG_LEVEL;
    delete env.WG_PROCESS_FOREGROUND;
    await exec('ip', ['netns', 'exec', ns.name, 'wireguard-go', ns.ifname], { env, timeout: 10_000 });
    const deadline = Date.now() + 5_000;
    for (;;) {
      try {
        await ns.uapi.get();
        return msSince(started);
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`wireguard-go ${ns.ifname} did not open its socket: ${error}`);
        await sleep(5);
      }
    }
  }

  /** Pids of the processes running in the namespace (wireguard-go, an agent). */
  async pids(ns: BenchNetns): Promise<number[]> {
    const { stdout } = await exec('ip', ['netns', 'pids', ns.name]).catch(() => ({ stdout: '' }));
    return stdout
      .split('\n')
      .filter((line) => /^\d+$/.test(line))
      .map(Number);
  }

  async destroy(ns: BenchNetns): Promise<void> {
    const pids = await this.pids(ns);
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    // Wait for the daemons to be gone, so their memory and CPU are back before the next round.
    const deadline = Date.now() + 5_000;
    while (pids.some(running) && Date.now() < deadline) await sleep(10);
    // A killed wireguard-go leaves its socket behind.
    fs.rmSync(`${DEFAULT_UAPI_DIR}/${ns.ifname}.sock`, { force: true });
    await exec('ip', ['netns', 'del', ns.name]).catch(() => undefined);
    this.live.delete(ns);
  }

  async closeAll(): Promise<void> {
    for (const ns of [...this.live]) await this.destroy(ns);
  }
}
