import { spawn } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { loadAuthApiConfig } from '@wirefleet/auth-api';
import type { RunningGateway } from '@wirefleet/gateway-service';
import { ConfigError, StartupError } from '@wirefleet/shared/config';
import { reloadTlsOnSignal } from '@wirefleet/shared/tls';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { createJsonRequest } from '../node-agent/src/http/json-request.js';
import {
  ADMIN_PASSWORD,
  ADMIN_USERNAME,
  startTestAuthApi,
  type TestAuthApi,
  TEST_ISSUER,
} from './support/auth-api.js';
import { startTestGateway } from './support/gateway.js';
import { createTestCa, type IssuedCertificate, type TestCa } from './support/test-ca.js';

const AGENT_MAIN = fileURLToPath(new URL('../node-agent/src/main.ts', import.meta.url));

/** The SHA-256 fingerprint of the certificate a server presents, and the protocol agreed. */
function handshake(
  port: number,
  options: tls.ConnectionOptions,
): Promise<{ fingerprint256: string; protocol: string | null }> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ...options }, () => {
      const result = {
        fingerprint256: socket.getPeerCertificate().fingerprint256,
        protocol: socket.getProtocol(),
      };
      socket.end();
      resolve(result);
    });
    socket.once('error', reject);
  });
}

/** Opens a wss:// connection trusting `ca`; resolves once `welcome` arrived. */
function openWss(
  url: string,
  token: string,
  ca: Buffer,
): Promise<{ ws: WebSocket; frames: Array<Record<string, unknown>> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, ['bearer', token], { ca });
    const frames: Array<Record<string, unknown>> = [];
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as Record<string, unknown>;
      frames.push(frame);
      if (frame.type === 'welcome') resolve({ ws, frames });
    });
    ws.once('error', reject);
  });
}

function runAgent(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', AGENT_MAIN, ...args], {
    env: { ...process.env, WIREFLEET_ENROLLMENT_KEY: '', LOG_LEVEL: 'error', ...env },
  });
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { child, exited, output: () => output };
}

describe('TLS: the auth-api and the gateway terminate it, the agent trusts --ca-file', () => {
  let ca: TestCa;
  let caPem: Buffer;
  let first: IssuedCertificate;
  let served: { certFile: string; keyFile: string };
  let t: TestAuthApi;
  let gateway: RunningGateway;
  let request: ReturnType<typeof createJsonRequest>;
  let adminToken: string;

  beforeAll(async () => {
    ca = createTestCa();
    caPem = fs.readFileSync(ca.caFile);
    first = ca.issue('first');
    // The services read these two paths; a renewal replaces their content (as certbot does).
    served = { certFile: path.join(ca.dir, 'served.pem'), keyFile: path.join(ca.dir, 'served.key') };
    fs.copyFileSync(first.certFile, served.certFile);
    fs.copyFileSync(first.keyFile, served.keyFile);
    t = await startTestAuthApi({
      env: { AUTH_API_TLS_CERT_FILE: served.certFile, AUTH_API_TLS_KEY_FILE: served.keyFile },
    });
    gateway = await startTestGateway({
      authUrl: t.url,
      issuer: TEST_ISSUER,
      redisUrl: t.redis!.url,
      redisPrefix: t.redis!.prefix,
      env: { GATEWAY_TLS_CERT_FILE: served.certFile, GATEWAY_TLS_KEY_FILE: served.keyFile },
      overrides: { keySet: t.api.context.keyring },
    });
    request = createJsonRequest({ ca: caPem });
    const login = await request(`${t.url}/v1/auth/login`, {
      method: 'POST',
      body: { username: ADMIN_USERNAME, password: ADMIN_PASSWORD },
      timeoutMs: 10_000,
      maxBytes: 64 * 1024,
    });
    adminToken = String((login.body as { access_token: string }).access_token);
  });
  afterAll(async () => {
    await gateway?.close();
    await t?.close();
    ca?.cleanup();
  });

  it('both listen on https/wss with the configured certificate, and a client trusting the CA gets through', async () => {
    expect(t.url).toMatch(/^https:\/\//);
    expect(gateway.url).toMatch(/^wss:\/\//);
    const health = await request(`${t.url}/healthz`, { timeoutMs: 5_000, maxBytes: 4096 });
    expect(health.status).toBe(200);
    const api = await handshake(t.api.port, { ca: caPem });
    const gw = await handshake(gateway.port, { ca: caPem });
    expect(api.fingerprint256).toBe(first.fingerprint256);
    expect(gw.fingerprint256).toBe(first.fingerprint256);
    const { ws, frames } = await openWss(gateway.url, adminToken, caPem);
    expect(frames[0]?.type).toBe('welcome');
    ws.close();
  });

  it('a client that does not trust the CA is refused, and so is TLS 1.1 and plain text', async () => {
    await expect(
      createJsonRequest()(`${t.url}/healthz`, { timeoutMs: 5_000, maxBytes: 4096 }),
    ).rejects.toThrow(/certificate/i);
    for (const port of [t.api.port, gateway.port]) {
      // Old protocols are refused by the server, whatever the client would accept.
      await expect(
        handshake(port, {
          ca: caPem,
          minVersion: 'TLSv1',
          maxVersion: 'TLSv1.1',
          ciphers: 'DEFAULT@SECLEVEL=0',
        }),
      ).rejects.toThrow();
      expect((await handshake(port, { ca: caPem, maxVersion: 'TLSv1.2' })).protocol).toBe('TLSv1.2');
    }
    const plain = await fetch(`http://127.0.0.1:${t.api.port}/healthz`).then(
      (response) => response.status,
      () => 'refused',
    );
    expect(plain).not.toBe(200);
  });

  it('a reload serves the renewed certificate to new connections while open sockets keep working', async () => {
    const before = await openWss(gateway.url, adminToken, caPem);
    const second = ca.issue('second');
    fs.copyFileSync(second.certFile, served.certFile);
    fs.copyFileSync(second.keyFile, served.keyFile);
    expect(t.api.reloadTls!().fingerprint256).toBe(second.fingerprint256);
    expect(gateway.reloadTls!().fingerprint256).toBe(second.fingerprint256);

    expect((await handshake(t.api.port, { ca: caPem })).fingerprint256).toBe(second.fingerprint256);
    expect((await handshake(gateway.port, { ca: caPem })).fingerprint256).toBe(second.fingerprint256);
    // By IP address a client sends no server name: the gateway answers with the certificate it
    // started with (uws/listener.ts); the auth-api (Node) swaps its only context.
    expect((await handshake(gateway.port, { ca: caPem, servername: '' })).fingerprint256).toBe(
      first.fingerprint256,
    );
    expect((await handshake(t.api.port, { ca: caPem, servername: '' })).fingerprint256).toBe(
      second.fingerprint256,
    );
    // One event, published once: the socket opened before the reload (on the old uWS app) and
    // one opened after it (on the new one) both receive it.
    const after = await openWss(gateway.url, adminToken, caPem);
    const room = String((before.frames[0] as { rooms: string[] }).rooms[0]);
    await t.api.context.bus.publish(room, 'tls.test', { n: 1 });
    await expect
      .poll(
        () => [before, after].every((socket) => socket.frames.some((frame) => frame.event === 'tls.test')),
        { message: 'the event on both sockets', timeout: 10_000 },
      )
      .toBe(true);
    before.ws.close();
    after.ws.close();
  });

  it('reloads again and again (each replaces the server names of the last), and plain HTTP answers close their connection', async () => {
    for (let round = 0; round < 3; round += 1) gateway.reloadTls!();
    const answer = await new Promise<{ status: number; connection: string | undefined }>(
      (resolve, reject) => {
        const req = https.request(
          {
            host: '127.0.0.1',
            port: gateway.port,
            path: '/healthz',
            servername: 'localhost',
            ca: caPem,
            agent: new https.Agent({ keepAlive: true }),
          },
          (res) => {
            res.resume();
            resolve({ status: res.statusCode ?? 0, connection: res.headers.connection });
          },
        );
        req.once('error', reject);
        req.end();
      },
    );
    // No keep-alive connection may outlive a reload: uWS frees a removed server name's router.
    expect(answer).toEqual({ status: 200, connection: 'close' });
    const { ws } = await openWss(gateway.url.replace('127.0.0.1', 'localhost'), adminToken, caPem);
    ws.close();
  });

  it('a reload with unusable files keeps serving the current certificate and says why', async () => {
    const current = (await handshake(gateway.port, { ca: caPem })).fingerprint256;
    const stranger = ca.selfSigned('stranger');
    fs.copyFileSync(stranger.keyFile, served.keyFile); // the key of another certificate
    expect(() => t.api.reloadTls!()).toThrow(StartupError);
    expect(() => gateway.reloadTls!()).toThrow(/cannot be used together/);
    expect((await handshake(gateway.port, { ca: caPem })).fingerprint256).toBe(current);
    expect((await handshake(t.api.port, { ca: caPem })).fingerprint256).toBe(current);
    const { ws } = await openWss(gateway.url, adminToken, caPem);
    ws.close();
  });

  it('SIGHUP runs the reload, and a failed one is logged without stopping the service', async () => {
    const logged: string[] = [];
    const logger = {
      info: (_: unknown, message: string) => logged.push(message),
      error: (_: unknown, message: string) => logged.push(message),
    };
    const reload = vi
      .fn()
      .mockResolvedValueOnce({ subject: 'CN=x' })
      .mockRejectedValueOnce(new Error('bad file'));
    const stop = reloadTlsOnSignal(reload, logger as never);
    try {
      process.emit('SIGHUP');
      await expect.poll(() => logged.length, { message: 'the first reload', timeout: 10_000 }).toBe(1);
      process.emit('SIGHUP');
      await expect.poll(() => logged.length, { message: 'the second reload', timeout: 10_000 }).toBe(2);
    } finally {
      stop();
    }
    expect(reload).toHaveBeenCalledTimes(2);
    expect(logged).toEqual([
      'TLS certificate reloaded',
      'TLS certificate reload failed; still serving the previous one',
    ]);
  });

  it('the agent enrolls and runs over https/wss with --ca-file, and refuses a server its CA did not sign', async () => {
    const key = await request(`${t.url}/v1/enrollment-keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}` },
      body: {},
      timeoutMs: 5_000,
      maxBytes: 64 * 1024,
    });
    const enrollmentKey = String((key.body as { key: string }).key);
    const config = path.join(ca.dir, 'agent', 'agent.json');
    const base = [
      'enroll',
      '--api',
      t.url,
      '--gateway',
      gateway.url,
      '--config',
      config,
      '--name',
      'tls-node',
    ];

    const untrusted = runAgent(base, { WIREFLEET_ENROLLMENT_KEY: enrollmentKey });
    expect(await untrusted.exited).toBe(1);
    expect(untrusted.output()).toMatch(/certificate/i);
    expect(fs.existsSync(config)).toBe(false);

    const enrolled = runAgent([...base, '--ca-file', ca.caFile], { WIREFLEET_ENROLLMENT_KEY: enrollmentKey });
    expect(await enrolled.exited, enrolled.output()).toBe(0);
    const saved = JSON.parse(fs.readFileSync(config, 'utf8')) as { node_id: number; ca_file: string };
    expect(saved.ca_file).toBe(ca.caFile);

    const agent = runAgent(['run', '--config', config, '--backend', 'memory']);
    try {
      await expect
        .poll(
          async () => {
            const node = await request(`${t.url}/v1/nodes/${saved.node_id}`, {
              headers: { authorization: `Bearer ${adminToken}` },
              timeoutMs: 5_000,
              maxBytes: 256 * 1024,
            });
            const body = node.body as { online?: boolean; applied_revision?: number | null };
            return body.online === true && typeof body.applied_revision === 'number';
          },
          { message: 'the agent online with its config applied', timeout: 20_000, interval: 100 },
        )
        .toBe(true);
    } finally {
      agent.child.kill('SIGTERM');
      await agent.exited;
    }
    const badCa = runAgent([
      'run',
      '--config',
      config,
      '--backend',
      'memory',
      '--ca-file',
      path.join(ca.dir, 'server.ext'),
    ]);
    expect(await badCa.exited).toBe(2);
    expect(badCa.output()).toContain('holds no PEM certificate');
  }, 60_000);

  it('TLS settings are checked at start: both files or neither, and a key that matches', async () => {
    expect(() => loadAuthApiConfig({ AUTH_API_TLS_CERT_FILE: first.certFile })).toThrow(ConfigError);
    expect(() => loadAuthApiConfig({ AUTH_API_TLS_CERT_FILE: first.certFile })).toThrow(
      /AUTH_API_TLS_KEY_FILE: required/,
    );
    const stranger = ca.selfSigned('stranger-2');
    await expect(
      startTestAuthApi({
        redis: false,
        env: { AUTH_API_TLS_CERT_FILE: first.certFile, AUTH_API_TLS_KEY_FILE: stranger.keyFile },
      }),
    ).rejects.toThrow(/cannot be used together/);
    await expect(
      startTestGateway({
        authUrl: t.url,
        issuer: TEST_ISSUER,
        env: { GATEWAY_TLS_CERT_FILE: path.join(ca.dir, 'missing.pem'), GATEWAY_TLS_KEY_FILE: first.keyFile },
        overrides: { keySet: t.api.context.keyring },
      }),
    ).rejects.toThrow(/cannot read the TLS certificate/);
  });

  it('https keeps the auth-api limits (a slow header is still cut off with problem+json)', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = https.request(
        `${t.url}/healthz`,
        { ca: caPem, headers: { 'x-big': 'a'.repeat(20_000) } },
        (res) => resolve(res.statusCode ?? 0),
      );
      req.once('error', reject);
      req.end();
    });
    expect(status).toBe(431);
  });
});
