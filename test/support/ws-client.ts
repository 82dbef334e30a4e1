import WebSocket from 'ws';
import type { ServerFrame } from '@wirefleet/shared/protocol';

export interface TestSocket {
  ws: WebSocket;
  /** Every frame received so far, parsed. */
  frames: ServerFrame[];
  send(frame: unknown): void;
  sendRaw(data: string | Buffer): void;
  /** Resolves with the first frame (already received or future) that matches. */
  next<F = ServerFrame>(match: (frame: ServerFrame) => boolean, timeoutMs?: number): Promise<F>;
  closed: Promise<{ code: number; reason: string }>;
  close(): void;
}

export interface ConnectOptions {
  origin?: string;
  protocols?: string[];
}

/** Opens a WebSocket as a client would: token in `Sec-WebSocket-Protocol: bearer, <jwt>`. */
export function connect(url: string, token: string, options: ConnectOptions = {}): Promise<TestSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options.protocols ?? ['bearer', token], {
      ...(options.origin ? { origin: options.origin } : {}),
    });
    const frames: ServerFrame[] = [];
    const waiters: Array<{ match: (frame: ServerFrame) => boolean; resolve: (frame: ServerFrame) => void }> = [];
    let closedWith = '';
    const closed = new Promise<{ code: number; reason: string }>((resolveClosed) => {
      ws.on('close', (code, reason) => {
        closedWith = `, closed with ${code} ${reason.toString()}`;
        resolveClosed({ code, reason: reason.toString() });
      });
    });
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as ServerFrame;
      frames.push(frame);
      for (const waiter of [...waiters]) {
        if (waiter.match(frame)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(frame);
        }
      }
    });
    ws.once('unexpected-response', (_req, res) => reject(new UpgradeRefused(res.statusCode ?? 0)));
    ws.once('error', reject);
    ws.once('open', () =>
      resolve({
        ws,
        frames,
        send: (frame) => ws.send(JSON.stringify(frame)),
        sendRaw: (data) => ws.send(data),
        next: <F = ServerFrame>(match: (frame: ServerFrame) => boolean, timeoutMs = 5_000) =>
          new Promise<F>((resolveFrame, rejectFrame) => {
            const found = frames.find(match);
            if (found) return resolveFrame(found as unknown as F);
            // Says what did arrive, so a timeout in CI can be told from a lost or a refused frame.
            const timer = setTimeout(() => {
              const seen = frames.map((f) => `${f.type}${'room' in f ? `:${f.room}` : ''}${'code' in f ? `:${f.code}` : ''}`);
              rejectFrame(new Error(`timed out waiting for a frame from ${url}${closedWith}; received so far: ${seen.join(', ') || 'nothing'}`));
            }, timeoutMs);
            waiters.push({
              match,
              resolve: (frame) => {
                clearTimeout(timer);
                resolveFrame(frame as unknown as F);
              },
            });
          }),
        closed,
        close: () => ws.close(),
      }),
    );
  });
}

export class UpgradeRefused extends Error {
  constructor(readonly status: number) {
    super(`upgrade refused with HTTP ${status}`);
  }
}

/** The HTTP status of a refused upgrade (or 101 when it was accepted). */
export async function upgradeStatus(url: string, token: string | undefined, options: ConnectOptions = {}): Promise<number> {
  try {
    const socket = await connect(url, token ?? '', token === undefined ? { ...options, protocols: options.protocols ?? [] } : options);
    socket.close();
    return 101;
  } catch (error) {
    if (error instanceof UpgradeRefused) return error.status;
    throw error;
  }
}
