import { randomBytes } from 'node:crypto';
import net from 'node:net';

/**
 * A bare-bones WebSocket client over `net`, for the gateway benchmarks' load generator. The
 * `ws` package costs a stream pipeline, an EventEmitter dispatch and a Buffer per message;
 * with 2,000 subscribers on a 2-core machine that would make the generator, not the server,
 * the bottleneck. This one parses frame headers in place and hands out payload slices.
 */

export const OPCODE = { text: 0x1, close: 0x8, ping: 0x9, pong: 0xa } as const;

/** A masked client frame (RFC 6455 §5.3: every client frame is masked). */
export function clientFrame(opcode: number, payload: Buffer | string): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const length = body.length;
  const headerLength = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLength + 4 + length);
  frame[0] = 0x80 | opcode;
  if (length < 126) {
    frame[1] = 0x80 | length;
  } else if (length < 65_536) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  const mask = randomBytes(4);
  mask.copy(frame, headerLength);
  for (let i = 0; i < length; i += 1) frame[headerLength + 4 + i] = body[i]! ^ mask[i & 3]!;
  return frame;
}

/**
 * Splits a server byte stream (unmasked frames) into frames; keeps a partial frame between
 * chunks. A frame is handed out as a range of `buffer` (valid only during the call), so
 * counting a million frames a second allocates nothing per frame.
 */
export class FrameReader {
  private rest: Buffer | undefined;

  constructor(
    private readonly onFrame: (opcode: number, buffer: Buffer, start: number, end: number) => void,
  ) {}

  push(chunk: Buffer): void {
    const buffer = this.rest ? Buffer.concat([this.rest, chunk]) : chunk;
    this.rest = undefined;
    let at = 0;
    while (buffer.length - at >= 2) {
      const opcode = buffer[at]! & 0x0f;
      let length = buffer[at + 1]! & 0x7f;
      let header = 2;
      if (length === 126) {
        if (buffer.length - at < 4) break;
        length = buffer.readUInt16BE(at + 2);
        header = 4;
      } else if (length === 127) {
        if (buffer.length - at < 10) break;
        length = Number(buffer.readBigUInt64BE(at + 2));
        header = 10;
      }
      if (buffer.length - at < header + length) break;
      this.onFrame(opcode, buffer, at + header, at + header + length);
      at += header + length;
    }
    // Copy the tail: the chunk may be the shared read buffer, overwritten by the next read.
    if (at < buffer.length) this.rest = Buffer.from(buffer.subarray(at));
  }
}

export interface Handshake {
  host: string;
  port: number;
  path: string;
  /** Offered in Sec-WebSocket-Protocol, e.g. `['bearer', jwt]`. */
  protocols?: string[];
  localAddress?: string;
  localPort?: number;
  timeoutMs?: number;
}

/** Thrown when the server answers the upgrade with anything but 101. */
export class HandshakeRefused extends Error {
  constructor(readonly status: number) {
    super(`upgrade answered ${status}`);
  }
}

/**
 * One client socket. Reads go through `net`'s `onread` into one buffer shared by every socket
 * of the process (no allocation per read), and `pause()` really stops reading: the load
 * generator can let bytes pile up in the kernel and drain them in a few large reads.
 */
export class RawSocket {
  /** Receives each chunk after the handshake; the chunk is only valid during the call. */
  onData: (chunk: Buffer) => void = () => undefined;
  onClose: () => void = () => undefined;
  private constructor(readonly socket: net.Socket) {}

  private static readonly shared = Buffer.allocUnsafe(256 * 1024);

  /** Connects and upgrades; resolves once the 101 arrived, with the bytes that followed it. */
  static open(options: Handshake): Promise<{ raw: RawSocket; head: Buffer }> {
    return new Promise((resolve, reject) => {
      let raw: RawSocket | undefined;
      let received = Buffer.alloc(0);
      let upgraded = false;
      const socket = net.connect({
        host: options.host,
        port: options.port,
        ...(options.localAddress ? { localAddress: options.localAddress } : {}),
        ...(options.localPort ? { localPort: options.localPort } : {}),
        onread: {
          buffer: RawSocket.shared,
          callback: (bytes: number, buffer: Buffer) => {
            if (upgraded) raw!.onData(buffer.subarray(0, bytes));
            else handshakeData(buffer.subarray(0, bytes));
            return true;
          },
        },
      });
      raw = new RawSocket(socket);
      socket.setNoDelay(true);
      const timer = setTimeout(() => fail(new Error('upgrade timed out')), options.timeoutMs ?? 30_000);
      const fail = (error: Error) => {
        clearTimeout(timer);
        socket.destroy();
        reject(error);
      };
      const handshakeData = (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
        const end = received.indexOf('\r\n\r\n');
        if (end < 0) return;
        clearTimeout(timer);
        socket.removeListener('error', fail);
        socket.on('error', () => undefined);
        const statusLine = received.subarray(0, received.indexOf('\r\n')).toString('latin1');
        const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine)?.[1] ?? 0);
        if (status !== 101) {
          socket.destroy();
          reject(new HandshakeRefused(status));
          return;
        }
        upgraded = true;
        socket.once('close', () => raw!.onClose());
        resolve({ raw: raw!, head: received.subarray(end + 4) });
      };
      socket.once('error', fail);
      socket.once('connect', () => {
        const lines = [
          `GET ${options.path} HTTP/1.1`,
          `Host: ${options.host}:${options.port}`,
          'Upgrade: websocket',
          'Connection: Upgrade',
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
          'Sec-WebSocket-Version: 13',
          ...(options.protocols ? [`Sec-WebSocket-Protocol: ${options.protocols.join(', ')}`] : []),
        ];
        socket.write(`${lines.join('\r\n')}\r\n\r\n`);
      });
    });
  }

  send(opcode: number, payload: Buffer | string): void {
    if (!this.socket.destroyed) this.socket.write(clientFrame(opcode, payload));
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  destroy(): void {
    this.socket.destroy();
  }
}
