import net from 'node:net';

/** What came back for bytes written straight to a TCP socket. */
export interface RawExchange {
  /** The response as latin1 text (the first 64 KiB), '' when the server wrote nothing. */
  response: string;
  /** The status of the first response line, if any. */
  status: number | undefined;
  /** True when the server ended the connection; false when the client gave up waiting. */
  closedByServer: boolean;
  /** How many chunks went out before the exchange ended. */
  chunksSent: number;
}

export interface RawExchangeOptions {
  /** Pause between chunks (a slow client); 0 writes them back to back. */
  gapMs?: number;
  /** After the last chunk, how long to wait for the server to answer and close. */
  waitMs?: number;
  /** Stop as soon as a whole response head has arrived, without waiting for a close. */
  untilHead?: boolean;
}

const KEEP = 64 * 1024;

/**
 * Writes `chunks` to the address of `url` (loopback only), `gapMs` apart, and collects the
 * answer. Bounded: it stops writing when the server closes, and gives up `waitMs` after its
 * last chunk, closing the socket itself.
 */
export function rawExchange(
  url: string,
  chunks: Array<string | Buffer>,
  options: RawExchangeOptions = {},
): Promise<RawExchange> {
  const { hostname, port } = new URL(url);
  if (hostname !== '127.0.0.1' && hostname !== 'localhost' && hostname !== '[::1]')
    throw new Error(`raw exchanges stay on loopback, not ${hostname}`);
  const gapMs = options.gapMs ?? 0;
  const waitMs = options.waitMs ?? 2_000;
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname.replace(/^\[|\]$/g, ''), port: Number(port) });
    let response = '';
    let sent = 0;
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (closedByServer: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(response)?.[1];
      resolve({
        response,
        status: status === undefined ? undefined : Number(status),
        closedByServer,
        chunksSent: sent,
      });
    };
    const writeNext = () => {
      if (done) return;
      if (sent === chunks.length) {
        timer = setTimeout(() => finish(false), waitMs);
        return;
      }
      socket.write(chunks[sent]!, () => undefined);
      sent += 1;
      if (gapMs > 0) timer = setTimeout(writeNext, gapMs);
      else setImmediate(writeNext);
    };
    socket.on('connect', writeNext);
    socket.on('data', (data) => {
      if (response.length < KEEP) response += data.toString('latin1').slice(0, KEEP - response.length);
      if (options.untilHead && response.includes('\r\n\r\n')) finish(false);
    });
    // A reset (ECONNRESET) is the server closing too; `close` follows every error.
    socket.on('error', () => undefined);
    socket.on('close', () => finish(true));
  });
}

/** Splits a request into pieces of `size` bytes, for dribbling. */
export function inPieces(text: string, size: number): string[] {
  const pieces: string[] = [];
  for (let at = 0; at < text.length; at += size) pieces.push(text.slice(at, at + size));
  return pieces;
}
