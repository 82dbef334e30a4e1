import http from 'node:http';

/**
 * The part of `fetch` the agent's `fromFetch` uses, over node:http from a given loopback source
 * address. Every seeded node then reaches the auth-api from an address of its own, as real
 * nodes do: 500 agents behind 127.0.0.1 would share the per-address node-token limiter, which
 * reserves a point per request in flight, and be refused with 429 when they all start at once.
 */
export function fetchFrom(localAddress: string): typeof fetch {
  const agent = new http.Agent({ keepAlive: true, localAddress });
  const boundFetch = (input: string | URL | Request, init: RequestInit = {}): Promise<Response> =>
    new Promise((resolve, reject) => {
      const request = http.request(
        String(input),
        {
          agent,
          method: init.method ?? 'GET',
          headers: init.headers as Record<string, string>,
          ...(init.signal ? { signal: init.signal } : {}),
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', reject);
          response.on('end', () => {
            const status = response.statusCode ?? 0;
            const text = Buffer.concat(chunks).toString('utf8');
            resolve({ status, ok: status >= 200 && status < 300, text: async () => text } as Response);
          });
        },
      );
      request.on('error', reject);
      request.end(typeof init.body === 'string' ? init.body : undefined);
    });
  return boundFetch as typeof fetch;
}

/** A distinct loopback address per index, away from the 127.0.0.x the gateway bench clients use. */
export function loopbackAddress(index: number): string {
  return `127.1.${Math.floor(index / 250)}.${(index % 250) + 1}`;
}
