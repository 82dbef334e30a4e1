import http from 'node:http';
import https from 'node:https';

/** A JSON exchange with the control plane: the status, and the body when it is JSON. */
export interface JsonResponse {
  status: number;
  /** 2xx */
  ok: boolean;
  /** The parsed body; undefined when it is empty or not JSON. */
  body: unknown;
}

export interface JsonRequestOptions {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** Sent as JSON. */
  body?: unknown;
  /** The whole exchange — connect, request, every byte of the response — within this. */
  timeoutMs: number;
  /** A longer response is cut off and the request fails: the agent never buffers more. */
  maxBytes: number;
  /**
   * Reads the body's text into `body` (default: JSON.parse, undefined when empty or not JSON);
   * for an answer of which the caller needs one part (see control/config-response.ts).
   */
  read?: (text: string) => unknown;
}

/** How the agent talks to the auth-api; tests may pass another (see fromFetch). */
export type JsonRequest = (url: string, options: JsonRequestOptions) => Promise<JsonResponse>;

/** A request that failed before a whole response arrived: unreachable, timed out, too large. */
export class JsonRequestError extends Error {
  override readonly name = 'JsonRequestError';
}

/** The default `read`: the body parsed, or undefined when it is empty or not JSON. */
export function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * The agent's HTTP client: node:http / node:https, one JSON request and its response, with a
 * deadline and a size cap. Not `fetch`: Node's fetch (undici) keeps ~10 MiB more in every
 * process that has used it once, which is a sixth of what an idle agent may take.
 * With `ca`, https trusts those certificates only (the agent's `--ca-file`), not the system's.
 */
export const createJsonRequest =
  (trust: { ca?: Buffer | undefined } = {}): JsonRequest =>
  (url, options) =>
    new Promise((resolve, reject) => {
      const target = new URL(url);
      const transport = target.protocol === 'https:' ? https : target.protocol === 'http:' ? http : undefined;
      if (!transport) {
        reject(new JsonRequestError(`${target.protocol} is not http(s)`));
        return;
      }
      const payload = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body));
      const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
      if (payload) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = String(payload.length);
      }
      let settled = false;
      const fail = (error: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        request.destroy();
        reject(error);
      };
      const tlsOptions = transport === https && trust.ca ? { ca: trust.ca } : {};
      const request = transport.request(
        target,
        { method: options.method ?? 'GET', headers, ...tlsOptions },
        (response) => {
          const chunks: Buffer[] = [];
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > options.maxBytes)
              fail(new JsonRequestError(`${url}: response larger than ${options.maxBytes} bytes`));
            else chunks.push(chunk);
          });
          response.on('end', () => {
            if (settled) return;
            settled = true;
            clearTimeout(deadline);
            const status = response.statusCode ?? 0;
            resolve({
              status,
              ok: status >= 200 && status < 300,
              body: (options.read ?? parseJson)(Buffer.concat(chunks).toString('utf8')),
            });
          });
          response.on('error', (error) => fail(error));
          // After 'end' this changes nothing; before it, the connection went away mid-response.
          response.on('close', () => fail(new JsonRequestError(`${url}: the response was cut off`)));
        },
      );
      const deadline = setTimeout(
        () => fail(new JsonRequestError(`${url}: no complete response within ${options.timeoutMs} ms`)),
        options.timeoutMs,
      );
      request.on('error', (error) => fail(error));
      request.end(payload);
    });

/** The agent's client trusting the system's certificate authorities. */
export const requestJson: JsonRequest = createJsonRequest();

/** A JsonRequest through a `fetch` (tests that rewrite responses); no size cap beyond fetch's own. */
export function fromFetch(fetchImpl: typeof fetch): JsonRequest {
  return async (url, options) => {
    const response = await fetchImpl(url, {
      method: options.method ?? 'GET',
      headers: {
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...options.headers,
      },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    return {
      status: response.status,
      ok: response.ok,
      body: (options.read ?? parseJson)(await response.text()),
    };
  };
}
