import https from 'node:https';
import type { WebSocketConstructor } from '@wirefleet/shared/client';
import WebSocket from 'ws';
import { CLIENT_IP } from './proxy-stack.js';

export interface HttpsReply<T = Record<string, unknown>> {
  status: number;
  body: T;
}

/** A JSON request over https trusting `ca`, sent from CLIENT_IP (the "real" client address). */
export function httpsCall<T = Record<string, unknown>>(
  url: string,
  ca: Buffer,
  options: { method?: string; body?: unknown; token?: string; headers?: Record<string, string> } = {},
): Promise<HttpsReply<T>> {
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  const headers: Record<string, string> = { ...options.headers };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  return new Promise((resolve, reject) => {
    const request = https.request(
      url,
      { method: options.method ?? 'GET', headers, ca, localAddress: CLIENT_IP, timeout: 10_000 },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          text += chunk;
        });
        response.on('end', () => {
          let parsed: unknown;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            parsed = text;
          }
          resolve({ status: response.statusCode ?? 0, body: parsed as T });
        });
      },
    );
    request.once('timeout', () => request.destroy(new Error(`${url} timed out`)));
    request.once('error', reject);
    request.end(body);
  });
}

/** `ws` trusting `ca`, connecting from CLIENT_IP with a browser's Origin: what the shared client is given. */
export function proxiedWebSocket(ca: Buffer, origin: string): WebSocketConstructor {
  return class extends WebSocket {
    constructor(url: string, protocols: string[]) {
      super(url, protocols, { ca, localAddress: CLIENT_IP, origin });
    }
  };
}

export interface OpenSocket {
  ws: WebSocket;
  frames: Array<Record<string, unknown>>;
  /** The first frame received so far or later that matches. */
  next(
    match: (frame: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  send(frame: Record<string, unknown>): void;
}

/** Opens a socket through the proxy; resolves at `welcome`, rejects with the refusal's status. */
export function openSocket(
  url: string,
  token: string | undefined,
  ca: Buffer,
  origin?: string,
): Promise<OpenSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, token ? ['bearer', token] : [], {
      ca,
      localAddress: CLIENT_IP,
      ...(origin ? { origin } : {}),
    });
    const frames: Array<Record<string, unknown>> = [];
    const waiters = new Set<() => void>();
    const socket: OpenSocket = {
      ws,
      frames,
      send: (frame) => ws.send(JSON.stringify(frame)),
      next: (match, timeoutMs = 10_000) =>
        new Promise((found, fail) => {
          const check = () => {
            const frame = frames.find(match);
            if (!frame) return;
            waiters.delete(check);
            clearTimeout(timer);
            found(frame);
          };
          const timer = setTimeout(() => {
            waiters.delete(check);
            fail(new Error(`no matching frame in ${timeoutMs} ms; got ${JSON.stringify(frames)}`));
          }, timeoutMs);
          waiters.add(check);
          check();
        }),
    };
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as Record<string, unknown>;
      frames.push(frame);
      if (frame.type === 'welcome') resolve(socket);
      for (const waiter of [...waiters]) waiter();
    });
    ws.once('unexpected-response', (_request, response) =>
      reject(new Error(`refused: HTTP ${response.statusCode}`)),
    );
    ws.once('error', reject);
  });
}
