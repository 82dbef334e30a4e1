import http from 'node:http';
import type { JsonReply } from './http-client.js';

/**
 * The keep-alive node:http client of http-client.ts plus a bearer token: node configs and
 * admin changes need `Authorization`, which JsonClient does not send. Same cost profile, so
 * figures stay comparable with the other suites.
 */
export class BearerClient {
  readonly agent: http.Agent;
  private readonly base: URL;

  constructor(baseUrl: string, maxSockets: number) {
    this.base = new URL(baseUrl);
    this.agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  }

  request(method: string, path: string, options: { token?: string; body?: unknown } = {}): Promise<JsonReply> {
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const headers: Record<string, string | number> = {};
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(payload);
    }
    const started = process.hrtime.bigint();
    return new Promise((resolve, reject) => {
      const req = http.request(
        { agent: this.agent, host: this.base.hostname, port: this.base.port, method, path, headers },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              text: Buffer.concat(chunks).toString('utf8'),
              ms: Number(process.hrtime.bigint() - started) / 1e6,
            }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** A reply that must have this status; anything else ends the step with the reply in the message. */
export function expectStatus(reply: JsonReply, status: number, what: string): JsonReply {
  if (reply.status !== status) throw new Error(`${what}: ${reply.status} ${reply.text.slice(0, 200)}`);
  return reply;
}
