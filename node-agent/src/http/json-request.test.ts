import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JsonRequestError, requestJson } from './json-request.js';

describe('requestJson', () => {
  let server: http.Server;
  let base: string;
  const seen: { method?: string; type?: string; auth?: string; body: string }[] = [];

  beforeAll(async () => {
    server = http.createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => {
        body += chunk;
      });
      request.on('end', () => {
        seen.push({ method: request.method, type: request.headers['content-type'], auth: request.headers.authorization, body });
        if (request.url === '/json') response.writeHead(201, { 'content-type': 'application/json' }).end('{"a":[1,2]}');
        else if (request.url === '/text') response.writeHead(503).end('<html>unavailable</html>');
        else if (request.url === '/large') response.writeHead(200).end(`"${'x'.repeat(100_000)}"`);
        else if (request.url === '/cut') {
          response.writeHead(200, { 'content-length': '100' }).write('{"a":');
          setTimeout(() => response.destroy(), 20);
        }
        // /hang: never answers.
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends JSON and returns the status and the parsed body', async () => {
    const response = await requestJson(`${base}/json`, {
      method: 'POST',
      headers: { authorization: 'Bearer t' },
      body: { node_id: 3 },
      timeoutMs: 5_000,
      maxBytes: 1024,
    });
    expect(response).toEqual({ status: 201, ok: true, body: { a: [1, 2] } });
    expect(seen.at(-1)).toEqual({ method: 'POST', type: 'application/json', auth: 'Bearer t', body: '{"node_id":3}' });
  });

  it('returns a body that is not JSON as undefined, with its status', async () => {
    expect(await requestJson(`${base}/text`, { timeoutMs: 5_000, maxBytes: 1024 })).toEqual({
      status: 503,
      ok: false,
      body: undefined,
    });
  });

  it('fails a response larger than maxBytes instead of buffering it', async () => {
    await expect(requestJson(`${base}/large`, { timeoutMs: 5_000, maxBytes: 10_000 })).rejects.toThrow(
      /larger than 10000 bytes/,
    );
    expect((await requestJson(`${base}/large`, { timeoutMs: 5_000, maxBytes: 200_000 })).ok).toBe(true);
  });

  it('fails when no complete response arrives in time, or the connection drops mid-response', async () => {
    const started = Date.now();
    await expect(requestJson(`${base}/hang`, { timeoutMs: 200, maxBytes: 1024 })).rejects.toThrow(
      /no complete response within 200 ms/,
    );
    expect(Date.now() - started).toBeLessThan(5_000);
    await expect(requestJson(`${base}/cut`, { timeoutMs: 5_000, maxBytes: 1024 })).rejects.toBeInstanceOf(Error);
  });

  it('fails on an unreachable API and on a scheme that is not http(s)', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    await expect(requestJson(`http://127.0.0.1:${port}/`, { timeoutMs: 5_000, maxBytes: 1024 })).rejects.toThrow(
      /ECONNREFUSED/,
    );
    await expect(requestJson('ftp://127.0.0.1/', { timeoutMs: 5_000, maxBytes: 1024 })).rejects.toBeInstanceOf(
      JsonRequestError,
    );
  });
});
