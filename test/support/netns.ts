import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { promisify } from 'node:util';
import { IN_CI } from './services.js';

const exec = promisify(execFile);

/**
 * Network namespaces as test hosts. Everything created here is named `wft…` and removed by
 * `teardown()`: the namespaces, their veth pairs, the bridge joining them, every process
 * started inside them and the WireGuard sockets they left in /var/run/wireguard.
 */
export const REQUIRED_TOOLS = ['ip', 'wg', 'wireguard-go', 'nft', 'ping'];

/** Why namespace tests cannot run here, or undefined when they can. In CI a reason is a failure. */
export function netnsUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'network namespace tests need root';
  const path = (process.env.PATH ?? '').split(':');
  const missing = REQUIRED_TOOLS.filter((tool) => !path.some((dir) => fs.existsSync(`${dir}/${tool}`)));
  if (missing.length > 0) return `missing tools: ${missing.join(', ')} (apt-get install iproute2 wireguard-tools wireguard-go nftables iputils-ping)`;
  if (!fs.existsSync('/dev/net/tun')) return 'no /dev/net/tun (wireguard-go needs it)';
  return undefined;
}

/** In CI a missing prerequisite fails the suite with its reason; elsewhere the suite is skipped. */
export function netnsSkipReason(): string | undefined {
  const reason = netnsUnavailable();
  if (reason && IN_CI) throw new Error(`cannot run the network namespace tests: ${reason}`);
  return reason;
}

export async function sh(args: string[]): Promise<string> {
  const { stdout } = await exec(args[0]!, args.slice(1), { timeout: 30_000 });
  return stdout;
}

export interface TestHost {
  ns: string;
  /** The host's address on the shared test segment. */
  address: string;
  exec(args: string[]): Promise<string>;
  spawn(args: string[], env?: Record<string, string>): ChildProcess;
}

export interface TestNetwork {
  id: string;
  /** The root namespace's address on the segment (where the control plane listens). */
  gatewayAddress: string;
  hosts: TestHost[];
  teardown(): Promise<void>;
}

/** A bridge with `count` namespaces on it: 10.213.<n>.1 is the root side, hosts get .2, .3, … */
export async function createTestNetwork(count: number): Promise<TestNetwork> {
  const id = randomBytes(3).toString('hex');
  const octet = (parseInt(id, 16) % 200) + 20;
  const bridge = `wftbr${id}`;
  const subnet = `10.213.${octet}`;
  const children: ChildProcess[] = [];
  const hosts: TestHost[] = [];
  const teardown = async () => {
    for (const child of children) child.kill('SIGKILL');
    for (const host of hosts) {
      const pids = await sh(['ip', 'netns', 'pids', host.ns]).catch(() => '');
      for (const pid of pids.split('\n').filter(Boolean)) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
      await sh(['ip', 'netns', 'del', host.ns]).catch(() => '');
    }
    await sh(['ip', 'link', 'del', bridge]).catch(() => '');
    for (const file of fs.existsSync('/var/run/wireguard') ? fs.readdirSync('/var/run/wireguard') : []) {
      if (file.includes(id)) fs.rmSync(`/var/run/wireguard/${file}`, { force: true });
    }
  };
  try {
    await sh(['ip', 'link', 'add', bridge, 'type', 'bridge']);
    await sh(['ip', 'addr', 'add', `${subnet}.1/24`, 'dev', bridge]);
    await sh(['ip', 'link', 'set', bridge, 'up']);
    for (let i = 0; i < count; i += 1) {
      const ns = `wft${id}h${i}`;
      const address = `${subnet}.${i + 2}`;
      const outside = `wftv${id}${i}`;
      await sh(['ip', 'netns', 'add', ns]);
      await sh(['ip', 'link', 'add', outside, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
      await sh(['ip', 'link', 'set', outside, 'master', bridge, 'up']);
      await sh(['ip', 'netns', 'exec', ns, 'ip', 'addr', 'add', `${address}/24`, 'dev', 'eth0']);
      await sh(['ip', 'netns', 'exec', ns, 'ip', 'link', 'set', 'eth0', 'up']);
      await sh(['ip', 'netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up']);
      hosts.push({
        ns,
        address,
        exec: (args) => sh(['ip', 'netns', 'exec', ns, ...args]),
        spawn: (args, env = {}) => {
          const child = spawn('ip', ['netns', 'exec', ns, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
          children.push(child);
          return child;
        },
      });
    }
  } catch (error) {
    await teardown();
    throw error;
  }
  return { id, gatewayAddress: `${subnet}.1`, hosts, teardown };
}
