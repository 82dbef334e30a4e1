import { connect } from 'node:net';
import { join } from 'node:path';
import { renderUapiSet, type UapiSetChanges } from '../render/uapi-request.js';
import { canonicalCidr, checkEndpoint, checkInterfaceName, hexToKey } from '../render/validate.js';

/** Where userspace WireGuard implementations listen; shared by every network namespace. */
export const DEFAULT_UAPI_DIR = '/var/run/wireguard';

/** One peer as the interface reports it (keys in base64, allowed IPs canonical and sorted). */
export interface WgPeerState {
  publicKey: string;
  endpoint?: string;
  allowedIps: string[];
  persistentKeepalive: number;
  /** 0 when there was no handshake yet. */
  lastHandshakeSec: number;
  lastHandshakeNsec: number;
  rxBytes: number;
  txBytes: number;
}

/** The interface as the UAPI `get=1` reports it. */
export interface WgDeviceState {
  privateKey?: string;
  listenPort?: number;
  /** Absent when the interface marks nothing. */
  fwmark?: number;
  peers: WgPeerState[];
}

/** How the dataplane reads and changes WireGuard: the UAPI socket, or `wg` for kernel links. */
export interface WireguardTransport {
  readonly kind: 'uapi' | 'wg-cli';
  get(): Promise<WgDeviceState>;
  set(changes: UapiSetChanges): Promise<void>;
}

/** A UAPI reply that ended with a non-zero `errno=`. */
export class UapiError extends Error {
  override readonly name = 'UapiError';
  constructor(
    readonly errno: number,
    operation: string,
  ) {
    super(`UAPI ${operation} failed with errno=${errno}`);
  }
}

function toNumber(value: string, key: string): number {
  if (!/^[0-9]{1,20}$/.test(value)) throw new RangeError(`UAPI: bad ${key}=${JSON.stringify(value)}`);
  return Number(value);
}

/**
 * Parses a `get=1` reply (`key=value` lines, `errno=N` last). Unknown keys are ignored, as the
 * protocol asks, so newer implementations stay readable.
 */
export function parseUapiGet(text: string): WgDeviceState {
  const device: WgDeviceState = { peers: [] };
  let peer: WgPeerState | undefined;
  let errno: number | undefined;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const eq = line.indexOf('=');
    if (eq <= 0) throw new RangeError(`UAPI: malformed line ${JSON.stringify(line.slice(0, 80))}`);
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    if (key === 'errno') errno = toNumber(value, key);
    else if (key === 'public_key') {
      peer = {
        publicKey: hexToKey(value, 'peer public key'),
        allowedIps: [],
        persistentKeepalive: 0,
        lastHandshakeSec: 0,
        lastHandshakeNsec: 0,
        rxBytes: 0,
        txBytes: 0,
      };
      device.peers.push(peer);
    } else if (!peer) {
      if (key === 'private_key') device.privateKey = hexToKey(value, 'private key');
      else if (key === 'listen_port') device.listenPort = toNumber(value, key);
      else if (key === 'fwmark' && value !== '0') device.fwmark = toNumber(value, key);
    } else if (key === 'endpoint') peer.endpoint = checkEndpoint(value);
    else if (key === 'allowed_ip') peer.allowedIps.push(canonicalCidr(value));
    else if (key === 'persistent_keepalive_interval') peer.persistentKeepalive = toNumber(value, key);
    else if (key === 'last_handshake_time_sec') peer.lastHandshakeSec = toNumber(value, key);
    else if (key === 'last_handshake_time_nsec') peer.lastHandshakeNsec = toNumber(value, key);
    else if (key === 'rx_bytes') peer.rxBytes = toNumber(value, key);
    else if (key === 'tx_bytes') peer.txBytes = toNumber(value, key);
  }
  if (errno === undefined) throw new RangeError('UAPI: reply without errno');
  if (errno !== 0) throw new UapiError(errno, 'get');
  for (const p of device.peers) p.allowedIps.sort();
  return device;
}

/** Parses a `set=1` reply: just `errno=N`. */
export function parseUapiSetReply(text: string): void {
  const match = /^errno=(-?[0-9]+)\n/m.exec(text);
  if (!match) throw new RangeError(`UAPI: unexpected set reply ${JSON.stringify(text.slice(0, 80))}`);
  const errno = Number(match[1]);
  if (errno !== 0) throw new UapiError(errno, 'set');
}

/** The socket path of `interfaceName` (validated: the name becomes part of a path). */
export function uapiSocketPath(interfaceName: string, dir = DEFAULT_UAPI_DIR): string {
  return join(dir, `${checkInterfaceName(interfaceName)}.sock`);
}

/**
 * Sends one request on a fresh connection and resolves with the reply, which ends at the first
 * blank line. One connection per request keeps a failed exchange from poisoning the next.
 * `onWritten` is called once the socket has connected and the request has been handed to the
 * kernel (as much of it as the socket takes at once; the rest follows as the daemon reads).
 */
export function uapiExchange(
  socketPath: string,
  request: string,
  timeoutMs = 10_000,
  onWritten?: () => void,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (error: Error | undefined, reply?: string) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      if (error) reject(error);
      else resolve(reply ?? '');
    };
    socket.setTimeout(timeoutMs, () =>
      finish(new Error(`UAPI ${socketPath}: no reply within ${timeoutMs} ms`)),
    );
    socket.on('error', (error) => finish(error));
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      const text = Buffer.concat(chunks).toString('utf8');
      const end = text.indexOf('\n\n');
      if (end >= 0) finish(undefined, text.slice(0, end + 1));
    });
    socket.on('end', () => finish(new Error(`UAPI ${socketPath}: connection closed before the reply ended`)));
    socket.write(request);
    // Registered after write(): net.Socket writes a request queued while connecting in its own
    // 'connect' listener, which therefore runs first.
    if (onWritten) socket.once('connect', onWritten);
  });
}

/** Talks to a userspace WireGuard (wireguard-go) through its UAPI unix socket. */
export class UapiClient implements WireguardTransport {
  readonly kind = 'uapi';
  readonly socketPath: string;

  constructor(interfaceName: string, dir = DEFAULT_UAPI_DIR) {
    this.socketPath = uapiSocketPath(interfaceName, dir);
  }

  async get(): Promise<WgDeviceState> {
    return parseUapiGet(await uapiExchange(this.socketPath, 'get=1\n\n'));
  }

  async set(changes: UapiSetChanges): Promise<void> {
    await this.sendRaw(renderUapiSet(changes));
  }

  /** Sends an already rendered `set=1` request; `onWritten` as for uapiExchange. */
  async sendRaw(request: string, onWritten?: () => void): Promise<void> {
    parseUapiSetReply(await uapiExchange(this.socketPath, request, undefined, onWritten));
  }
}
