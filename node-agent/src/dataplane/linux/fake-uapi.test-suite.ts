import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One peer as the fake daemon holds it (hex key, as on the wire). */
export interface FakePeer {
  endpoint?: string;
  allowedIps: string[];
  keepalive: number;
  handshakeSec: number;
}

/**
 * A minimal userspace-WireGuard stand-in serving the UAPI on a unix socket in a temp dir:
 * enough of `get=1`/`set=1` for unit tests, and it records every request it receives.
 */
export class FakeUapiDaemon {
  privateKeyHex: string | undefined;
  listenPort = 0;
  fwmark = 0;
  readonly peers = new Map<string, FakePeer>();
  readonly requests: string[] = [];
  /** A non-zero errno makes every `set` fail with it, changing nothing. */
  setErrno = 0;
  /** While set, `set` requests are recorded on arrival but applied and answered only once it opens. */
  private setsHeld: Promise<void> | undefined;
  private releaseSets: (() => void) | undefined;
  private server: Server | undefined;

  private constructor(
    readonly dir: string,
    readonly interfaceName: string,
  ) {}

  static async start(interfaceName: string): Promise<FakeUapiDaemon> {
    const daemon = new FakeUapiDaemon(await mkdtemp(join(tmpdir(), 'wf-uapi-')), interfaceName);
    daemon.server = createServer((socket) => daemon.serve(socket));
    await new Promise<void>((resolve) =>
      daemon.server!.listen(join(daemon.dir, `${interfaceName}.sock`), resolve),
    );
    return daemon;
  }

  async stop(): Promise<void> {
    // A test that failed while sets were held: answer them, so their connections close.
    this.releaseSets?.();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    await rm(this.dir, { recursive: true, force: true });
  }

  /**
   * Holds the `set` requests that arrive from now on (as wireguard-go is busy while it derives
   * keys for many peers) until the returned function is called.
   */
  holdSets(): () => void {
    let release!: () => void;
    this.setsHeld = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.releaseSets = () => {
      this.setsHeld = undefined;
      release();
    };
    return this.releaseSets;
  }

  private serve(socket: Socket): void {
    let buffer = '';
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      let end = buffer.indexOf('\n\n');
      while (end >= 0) {
        const request = buffer.slice(0, end + 1);
        buffer = buffer.slice(end + 2);
        this.requests.push(`${request}\n`);
        const held = request.startsWith('get=1') ? undefined : this.setsHeld;
        if (held) void held.then(() => socket.write(this.set(request)));
        else socket.write(request.startsWith('get=1') ? this.get() : this.set(request));
        end = buffer.indexOf('\n\n');
      }
    });
  }

  private get(): string {
    const lines: string[] = [];
    if (this.privateKeyHex) lines.push(`private_key=${this.privateKeyHex}`);
    lines.push(`listen_port=${this.listenPort}`);
    if (this.fwmark !== 0) lines.push(`fwmark=${this.fwmark}`);
    for (const [key, peer] of this.peers) {
      lines.push(`public_key=${key}`, `preshared_key=${'0'.repeat(64)}`, 'protocol_version=1');
      if (peer.endpoint) lines.push(`endpoint=${peer.endpoint}`);
      lines.push(
        `last_handshake_time_sec=${peer.handshakeSec}`,
        'last_handshake_time_nsec=0',
        'tx_bytes=10',
        'rx_bytes=20',
      );
      lines.push(
        `persistent_keepalive_interval=${peer.keepalive}`,
        ...peer.allowedIps.map((ip) => `allowed_ip=${ip}`),
      );
    }
    return `${lines.join('\n')}\nerrno=0\n\n`;
  }

  private set(request: string): string {
    if (this.setErrno !== 0) return `errno=${this.setErrno}\n\n`;
    let current: FakePeer | undefined;
    let currentKey = '';
    for (const line of request.split('\n').slice(1)) {
      const [key, value = ''] = line.split('=', 2);
      if (key === 'private_key') this.privateKeyHex = value;
      else if (key === 'listen_port') this.listenPort = Number(value);
      else if (key === 'fwmark') this.fwmark = Number(value);
      else if (key === 'public_key') {
        current = this.peers.get(value) ?? { allowedIps: [], keepalive: 0, handshakeSec: 0 };
        this.peers.set(value, current);
        currentKey = value;
      } else if (key === 'remove') this.peers.delete(currentKey);
      else if (key === 'replace_allowed_ips' && current) current.allowedIps = [];
      else if (key === 'allowed_ip' && current) current.allowedIps.push(value);
      else if (key === 'endpoint' && current) current.endpoint = value;
      else if (key === 'persistent_keepalive_interval' && current) current.keepalive = Number(value);
      else if (key !== '') return 'errno=22\n\n';
    }
    return 'errno=0\n\n';
  }
}
