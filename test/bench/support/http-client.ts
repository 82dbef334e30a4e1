import http from 'node:http';

export interface JsonReply {
  status: number;
  text: string;
  /** Wall-clock milliseconds from sending to the last byte of the reply. */
  ms: number;
}

/**
 * A minimal keep-alive JSON client on node:http. The load generator shares two cores with the
 * server and Postgres, so it uses the cheapest client Node has rather than fetch (whose
 * per-request overhead is several times higher on Node 20); every request reuses a socket.
 */
export class JsonClient {
  readonly agent: http.Agent;
  private readonly base: URL;

  constructor(baseUrl: string, maxSockets: number) {
    this.base = new URL(baseUrl);
    this.agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  }

  /** `token` adds `Authorization: Bearer` (node configs and admin changes need it). */
  request(method: string, path: string, body?: unknown, token?: string): Promise<JsonReply> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string | number> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(payload);
    }
    const started = process.hrtime.bigint();
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          agent: this.agent,
          host: this.base.hostname,
          port: this.base.port,
          method,
          path,
          headers,
        },
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

/** Parses a JSON reply or says what came back instead. */
export function parseJson<T>(reply: JsonReply): T {
  try {
    return JSON.parse(reply.text) as T;
  } catch {
    throw new Error(`expected JSON, got ${reply.status}: ${reply.text.slice(0, 200)}`);
  }
}

/** A reply that must have this status; anything else ends the step with the reply in the message. */
export function expectStatus(reply: JsonReply, status: number, what: string): JsonReply {
  if (reply.status !== status) throw new Error(`${what}: ${reply.status} ${reply.text.slice(0, 200)}`);
  return reply;
}
