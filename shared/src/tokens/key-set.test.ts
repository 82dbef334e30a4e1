import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { importUsableKeys, type Jwks, type PublicJwk, RemoteJwksKeySet } from './key-set.js';

describe('importUsableKeys', () => {
  it('keeps the ES256 and EdDSA keys of a JWKS and leaves out the kinds it cannot verify with', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
    const ed = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' });
    const jwks = {
      keys: [
        { ...ec, kid: 'ec', alg: 'ES256', use: 'sig' },
        { ...ed, kid: 'ed', alg: 'EdDSA', use: 'sig' },
        { ...ed, kid: 'wrong-curve', alg: 'ES256', use: 'sig' },
        { kty: 'RSA', kid: 'rsa', alg: 'RS256', use: 'sig', n: 'AQAB', e: 'AQAB' } as unknown as PublicJwk,
      ],
    } as Jwks;
    const keys = importUsableKeys(jwks);
    expect([...keys.keys()]).toEqual(['ec', 'ed']);
    expect(keys.get('ec')?.alg).toBe('ES256');
  });
});

describe('RemoteJwksKeySet.loadUntilReady', () => {
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
  const jwks = { keys: [{ ...ec, kid: 'k1', alg: 'ES256', use: 'sig' }] };

  /** A JWKS endpoint that answers 503 `failures` times, then the key set. */
  async function flakyJwksServer(
    failures: number,
  ): Promise<{ url: string; requests: () => number; close(): Promise<void> }> {
    let requests = 0;
    const server = http.createServer((_req, res) => {
      requests += 1;
      if (requests <= failures) res.writeHead(503).end();
      else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return {
      url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
      requests: () => requests,
      close: () => new Promise((resolve) => server.close(() => resolve())),
    };
  }

  it('retries after failures until the keys load, and reports each failure and the load', async () => {
    const server = await flakyJwksServer(2);
    const keySet = new RemoteJwksKeySet({ url: server.url });
    const failures: number[] = [];
    const loaded = new Promise<{ keyCount: number; attempts: number }>((resolve) => {
      keySet.loadUntilReady(
        {
          failed: (_error, attempt) => failures.push(attempt),
          loaded: (keyCount, attempts) => resolve({ keyCount, attempts }),
        },
        { initialMs: 5, maxMs: 20 },
      );
    });
    expect(keySet.hasKeys()).toBe(false);
    expect(await loaded).toEqual({ keyCount: 1, attempts: 3 });
    expect(failures).toEqual([1, 2]);
    expect(keySet.hasKeys()).toBe(true);
    expect((await keySet.getKey('k1'))?.alg).toBe('ES256');
    await server.close();
  });

  it('stops retrying when told to', async () => {
    const server = await flakyJwksServer(Number.POSITIVE_INFINITY);
    const keySet = new RemoteJwksKeySet({ url: server.url });
    let stop: () => void = () => undefined;
    await new Promise<void>((resolve) => {
      stop = keySet.loadUntilReady(
        { failed: () => resolve(), loaded: () => undefined },
        { initialMs: 5, maxMs: 5 },
      );
    });
    stop();
    const seen = server.requests();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(server.requests()).toBe(seen);
    expect(keySet.hasKeys()).toBe(false);
    await server.close();
  });
});
