import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { accessSync, constants, existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/**
 * What the tests that drive a real host (network namespaces, wireguard-go, nftables) need,
 * and the key pairs they configure. In CI a missing prerequisite fails the suite with its
 * name; elsewhere the suite is skipped with the reason.
 */
export const IN_CI = process.env.CI === 'true' || process.env.CI === '1';
const TOOLS = ['ip', 'nft', 'wg', 'wireguard-go', 'ping', 'sysctl'];

function onPath(tool: string): boolean {
  return (process.env.PATH ?? '').split(':').some((dir) => {
    try {
      accessSync(join(dir, tool), constants.X_OK);
      return true;
    } catch {
      // Not there, or not executable: try the next PATH entry.
      return false;
    }
  });
}

/** What this host lacks for the real-host tests (empty: they can run). */
export function missingPrerequisites(): string[] {
  const missing: string[] = [];
  if (process.getuid?.() !== 0) missing.push('root (the test creates network namespaces)');
  for (const tool of TOOLS) if (!onPath(tool)) missing.push(`the \`${tool}\` command`);
  if (!existsSync('/dev/net/tun')) missing.push('/dev/net/tun (wireguard-go needs TUN)');
  return missing;
}

/** The sentence a skip or a CI failure gives. */
export function prerequisitesReason(missing: string[]): string {
  return `needs ${missing.join(', ')} (Debian: wireguard-go wireguard-tools nftables iproute2 iputils-ping procps)`;
}

/** A WireGuard key pair, base64 as in configs. */
export function keyPair(): { privateKey: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('x25519');
  const raw = (jwk: { d?: string; x?: string }, field: 'd' | 'x') =>
    Buffer.from(jwk[field] ?? '', 'base64url').toString('base64');
  return {
    privateKey: raw(privateKey.export({ format: 'jwk' }), 'd'),
    publicKey: raw(publicKey.export({ format: 'jwk' }), 'x'),
  };
}

/** Runs a program (no shell) and returns its stdout; 15 s at most. */
export async function sh(args: string[]): Promise<string> {
  const { stdout } = await exec(args[0]!, args.slice(1), { timeout: 15_000 });
  return stdout;
}

/** Runs a program inside network namespace `ns`. */
export const inNs = (ns: string, ...args: string[]) => sh(['ip', 'netns', 'exec', ns, ...args]);

/** Pings `to` from namespace `from`, three tries (a handshake may be under way); logs the last failure. */
export async function ping(from: string, to: string): Promise<boolean> {
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      await inNs(from, 'ping', '-c', '1', '-W', '2', to);
      return true;
    } catch (error) {
      if (attempt === 2) console.warn(`ping ${to} from ${from} failed`, (error as Error).message);
    }
  }
  return false;
}

/**
 * Tears down what a real-host test made: each WireGuard interface's UAPI socket (wireguard-go
 * exits when it goes), then every process left in each namespace (a daemon that hangs), then the
 * namespaces. Goes on past failures; returns them, for the test to report.
 */
export async function removeHosts(namespaces: string[], interfaces: string[]): Promise<unknown[]> {
  const problems: unknown[] = [];
  for (const ifname of interfaces) {
    await rm(`/var/run/wireguard/${ifname}.sock`, { force: true }).catch((error: unknown) =>
      problems.push(error),
    );
  }
  for (const ns of namespaces) {
    const pids = await sh(['ip', 'netns', 'pids', ns]).catch((error: unknown) => {
      problems.push(error);
      return '';
    });
    for (const pid of pids.split('\n').filter((line) => /^\d+$/.test(line))) {
      try {
        process.kill(Number(pid), 'SIGTERM');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ESRCH') problems.push(error);
      }
    }
    await sh(['ip', 'netns', 'del', ns]).catch((error: unknown) => problems.push(error));
  }
  return problems;
}
