import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { NodeConfigPayload } from '@wirefleet/shared/protocol';

const exec = promisify(execFile);

type ConfigFilter = NonNullable<NodeConfigPayload['filter']>;

function octets(n: number): string {
  return `${n >> 8}.${n & 255}`;
}

/**
 * The filter the policy compiler gives a node that `peers` other nodes may reach, one entry per
 * peer (its /32, as agent-fixtures' makePeers numbers them): nine in ten on tcp `port` and the
 * 8000-8100 range, the tenth on udp `port` to one of this node's devices (100.96.200.x), so both
 * chains and the devices set are full-sized. `lastAllows` (the throughput bench's allowed port)
 * is appended as the last entry, where the first packet of a connection meets it after every
 * other rule.
 */
export function makeFilter(
  peers: number,
  port: number,
  lastAllows?: { from: string; port: number },
): ConfigFilter {
  const inbound: ConfigFilter['inbound'] = Array.from({ length: peers }, (_, i) => {
    const from = [`100.96.${octets(i + 2)}/32`];
    if (i % 10 === 9) {
      return {
        from,
        to: [`100.96.200.${Math.floor(i / 10) % 250}/32`],
        proto: 'udp' as const,
        ports: [[port, port]],
      };
    }
    return {
      from,
      proto: 'tcp' as const,
      ports: [
        [port, port],
        [8000, 8100],
      ],
    };
  });
  if (lastAllows)
    inbound.push({ from: [lastAllows.from], proto: 'tcp', ports: [[lastAllows.port, lastAllows.port]] });
  return { inbound };
}

/** A real X25519 key pair, base64 as in configs: a tunnel that must carry packets needs one. */
export function wireguardKeyPair(): { privateKey: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('x25519');
  const raw = (jwk: { d?: string; x?: string }, field: 'd' | 'x') =>
    Buffer.from(jwk[field] ?? '', 'base64url').toString('base64');
  return {
    privateKey: raw(privateKey.export({ format: 'jwk' }), 'd'),
    publicKey: raw(publicKey.export({ format: 'jwk' }), 'x'),
  };
}

/** Whether `tool` is on PATH. */
export function onPath(tool: string): boolean {
  return (process.env.PATH ?? '').split(':').some((dir) => fs.existsSync(`${dir}/${tool}`));
}

/** A TCP sink that counts what each connection brings and prints `<bytes> <seconds>` when it ends. */
const NODE_SINK = `
const net = require('node:net');
net.createServer((socket) => {
  let bytes = 0;
  let first;
  socket.on('data', (chunk) => { first ??= process.hrtime.bigint(); bytes += chunk.length; });
  socket.on('end', () => {
    const seconds = first === undefined ? 0 : Number(process.hrtime.bigint() - first) / 1e9;
    console.log(bytes + ' ' + seconds);
    socket.end();
  });
}).listen(Number(process.argv[1]), process.argv[2], () => console.log('ready'));
`;

/** Writes 64 KiB chunks as fast as the socket takes them for `seconds`, then ends. */
const NODE_SOURCE = `
const net = require('node:net');
const [host, port, seconds] = process.argv.slice(1);
const chunk = Buffer.alloc(65536, 7);
const socket = net.connect(Number(port), host, () => {
  const until = Date.now() + Number(seconds) * 1000;
  const pump = () => { while (Date.now() < until) { if (!socket.write(chunk)) return socket.once('drain', pump); } socket.end(); };
  pump();
});
socket.on('close', () => process.exit(0));
`;

/**
 * A bulk TCP stream from one namespace to an address in another: iperf3 when it is installed,
 * else a plain Node writer and counting sink. `measure` returns the receiver's Mbit/s.
 */
export class TcpStream {
  private server: ChildProcess | undefined;
  private readonly lines: string[] = [];
  readonly tool = onPath('iperf3') ? 'iperf3' : 'node';

  constructor(
    private readonly sender: string,
    private readonly receiver: string,
    private readonly address: string,
    private readonly port: number,
  ) {}

  async start(): Promise<void> {
    const args =
      this.tool === 'iperf3'
        ? // --forceflush: its banner must reach the pipe now, not when a buffer fills.
          ['iperf3', '-s', '--forceflush', '-B', this.address, '-p', String(this.port)]
        : [process.execPath, '-e', NODE_SINK, String(this.port), this.address];
    this.server = spawn('ip', ['netns', 'exec', this.receiver, ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    this.server.stdout!.on('data', (data: Buffer) =>
      this.lines.push(...data.toString().split('\n').filter(Boolean)),
    );
    const deadline = Date.now() + 5_000;
    // iperf3 prints its banner when listening; the sink prints `ready`.
    while (this.lines.length === 0) {
      if (Date.now() > deadline) throw new Error(`${this.tool} server in ${this.receiver} did not start`);
      await sleep(20);
    }
  }

  async measure(seconds: number): Promise<number> {
    const timeout = (seconds + 20) * 1000;
    if (this.tool === 'iperf3') {
      const args = ['iperf3', '-c', this.address, '-p', String(this.port), '-t', String(seconds), '-J'];
      const { stdout } = await exec('ip', ['netns', 'exec', this.sender, ...args], {
        timeout,
        maxBuffer: 16 << 20,
      });
      const report = JSON.parse(stdout) as { end: { sum_received: { bits_per_second: number } } };
      return report.end.sum_received.bits_per_second / 1e6;
    }
    this.lines.length = 0;
    const source = [process.execPath, '-e', NODE_SOURCE, this.address, String(this.port), String(seconds)];
    await exec('ip', ['netns', 'exec', this.sender, ...source], { timeout });
    const deadline = Date.now() + 5_000;
    while (this.lines.length === 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    const [bytes, took] = (this.lines.pop() ?? '0 0').split(' ').map(Number) as [number, number];
    if (!(took > 0)) throw new Error('the stream carried nothing');
    return (bytes * 8) / took / 1e6;
  }

  stop(): void {
    this.server?.kill();
  }
}
