import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, MemoryDataplane, StateStore } from '@wirefleet/node-agent';
import { createLogger } from '@wirefleet/shared/logging';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
// @ts-expect-error: a plain ES module script without types (node-agent/scripts/bundle.js)
import { bundleAgent } from '../node-agent/scripts/bundle.js';
import { writeAgentManifest } from '../infra/release/agent-manifest.js';
import { call } from './support/auth-api.js';
import { createEnrollmentKey, enrollNode } from './support/fleet.js';
import { type RealtimeStack, startRealtimeStack } from './support/realtime-stack.js';

const MAIN = fileURLToPath(new URL('../node-agent/src/main.ts', import.meta.url));
const NODE_FLAGS = ['--conditions=source', '--import', 'tsx'];

/**
 * Self-update end to end (issue #16): the agent, from its modules (version 0.1.0), runs under
 * `wirefleet-agent supervise` on the memory backend against a real auth-api and gateway, which
 * serve three more builds from AGENT_RELEASES_DIR: 0.2.0 (a real bundle), 0.3.0 (crashes on
 * start) and 0.4.0 (its file changed after its manifest was written: the signed hash is wrong).
 */
describe('agent self-update', () => {
  let stack: RealtimeStack;
  let admin: string;
  let dir: string;
  let releases: string;
  let config: string;
  let supervisor: ChildProcess;
  let output = '';

  const release = async (version: string, write: (file: string) => Promise<void> | void) => {
    const file = path.join(releases, version, 'wirefleet-agent.mjs');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    await write(file);
    writeAgentManifest(file, version);
  };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wf-update-'));
    releases = path.join(dir, 'releases');
    await release('0.2.0', (file) =>
      bundleAgent({ entry: MAIN, outfile: file, version: '0.2.0', conditions: ['source'] }),
    );
    await release('0.3.0', (file) =>
      fs.writeFileSync(file, "throw new Error('this build crashes on start');\n"),
    );
    await release('0.4.0', (file) => fs.writeFileSync(file, '// 0.4.0\n'));
    // Same size, other bytes: only the hash tells.
    fs.writeFileSync(path.join(releases, '0.4.0', 'wirefleet-agent.mjs'), '// 0.4.X\n');
    stack = await startRealtimeStack({ instances: 1, authEnv: { AGENT_RELEASES_DIR: releases } });
    admin = await stack.adminToken();
    const { key } = await createEnrollmentKey(stack.auth.url, admin, { reusable: true });
    config = path.join(dir, 'node', 'agent.json');
    // Not spawnSync: the auth-api answering it runs in this process.
    const enrolled = await new Promise<{ stderr: string }>((resolve) => {
      const child = spawn(
        process.execPath,
        [
          ...NODE_FLAGS,
          MAIN,
          'enroll',
          '--api',
          stack.auth.url,
          '--gateway',
          stack.gateways[0]!.url,
          '--config',
          config,
        ],
        { env: { ...process.env, WIREFLEET_ENROLLMENT_KEY: key } },
      );
      let stderr = '';
      child.stderr.on('data', (chunk) => {
        stderr += chunk;
      });
      child.on('exit', () => resolve({ stderr }));
    });
    expect(enrolled.stderr).toBe('');
    supervisor = spawn(
      process.execPath,
      [...NODE_FLAGS, MAIN, 'supervise', '--', 'run', '--config', config, '--backend', 'memory'],
      {
        env: {
          ...process.env,
          LOG_LEVEL: 'info',
          WIREFLEET_STATUS_INTERVAL_SECONDS: '1',
          WIREFLEET_RECONNECT_MAX_SECONDS: '1',
          WIREFLEET_UPDATE_CONFIRM_SECONDS: '20',
        },
      },
    );
    supervisor.stdout?.on('data', (chunk) => {
      output += chunk;
    });
    supervisor.stderr?.on('data', (chunk) => {
      output += chunk;
    });
  }, 120_000);
  afterAll(async () => {
    if (supervisor && supervisor.exitCode === null) {
      supervisor.kill('SIGTERM');
      await new Promise((resolve) => supervisor.once('exit', resolve));
    }
    await stack?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const stateDir = () => path.join(path.dirname(config), 'state');
  const updateState = () => {
    try {
      return JSON.parse(fs.readFileSync(path.join(stateDir(), 'update.json'), 'utf8')) as Record<
        string,
        string
      >;
    } catch {
      return undefined;
    }
  };
  const current = () => {
    try {
      return fs.realpathSync(path.join(stateDir(), 'current'));
    } catch {
      return undefined;
    }
  };
  const want = (version: string) =>
    call(stack.auth.url, 'PUT', '/v1/agent/wanted-version', { token: admin, body: { version } });
  const nodes = async () =>
    (await call(stack.auth.url, 'GET', '/v1/nodes', { token: admin })).body.items as Array<{
      applied_revision: number | null;
      agent_version: string | null;
      agent_update: { state: string; version: string } | null;
    }>;

  it('the installed build starts and applies its config', async () => {
    await expect
      .poll(async () => (await nodes())[0]?.applied_revision, { timeout: 30_000 })
      .toBeGreaterThan(0);
    expect(output).toMatch(/"version":"0\.1\.0".*agent running/);
  });

  it('a build whose bytes do not match the signed hash is refused; the old build keeps running', async () => {
    expect((await want('0.4.0')).status).toBe(200);
    await expect.poll(() => updateState()?.state, { timeout: 20_000 }).toBe('failed');
    expect(updateState()).toMatchObject({
      version: '0.4.0',
      error: expect.stringMatching(/^sha256 [0-9a-f]{64}, the signed config says/),
    });
    expect(current()).toBeUndefined();
    expect(supervisor.exitCode).toBeNull();
  });

  it('a build that crashes on start is rolled back and not installed again', async () => {
    expect((await want('0.3.0')).status).toBe(200);
    await expect.poll(() => updateState()?.state, { timeout: 40_000 }).toBe('rolled_back');
    expect(updateState()).toMatchObject({ version: '0.3.0' });
    expect(current()).toBe(fs.realpathSync(MAIN));
    expect(JSON.parse(fs.readFileSync(path.join(stateDir(), 'bad-versions.json'), 'utf8'))).toEqual([
      '0.3.0',
    ]);
    expect(output).toContain('this build crashes on start');
    await expect
      .poll(async () => (await nodes())[0]?.agent_update, { timeout: 15_000 })
      .toMatchObject({ state: 'rolled_back', version: '0.3.0' });
  }, 60_000);

  it('a good build is downloaded, verified, switched in, and confirms by applying its config', async () => {
    expect((await want('0.2.0')).status).toBe(200);
    await expect.poll(() => updateState()?.state, { timeout: 40_000 }).toBe('updated');
    expect(updateState()).toMatchObject({ version: '0.2.0' });
    expect(current()).toBe(
      fs.realpathSync(path.join(stateDir(), 'releases', '0.2.0', 'wirefleet-agent.mjs')),
    );
    expect(output).toMatch(/"version":"0\.2\.0".*agent running/);
    await expect.poll(async () => (await nodes())[0]?.agent_version, { timeout: 15_000 }).toBe('0.2.0');
    expect((await nodes())[0]?.agent_update).toMatchObject({ state: 'updated', version: '0.2.0' });
    expect(supervisor.exitCode).toBeNull();
  }, 60_000);

  it('without a supervisor (systemd), the installed build hands the process over to the switched-in build', async () => {
    supervisor.kill('SIGTERM');
    expect(await new Promise((resolve) => supervisor.once('exit', resolve))).toBe(0);
    const child = spawn(
      process.execPath,
      [...NODE_FLAGS, MAIN, 'run', '--config', config, '--backend', 'memory'],
      {
        env: { ...process.env, LOG_LEVEL: 'info' },
      },
    );
    let log = '';
    child.stdout.on('data', (chunk) => {
      log += chunk;
    });
    try {
      await expect.poll(() => log, { timeout: 20_000 }).toMatch(/"version":"0\.2\.0".*agent running/);
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  }, 40_000);

  it('only the signed agent_update is acted on: a changed unsigned copy is ignored, a changed signed one refused', async () => {
    const { key } = await createEnrollmentKey(stack.auth.url, admin);
    const node = await enrollNode(stack.auth.url, key);
    const forged = 'f'.repeat(64);
    const tamper =
      (mode: 'unsigned' | 'payload'): typeof fetch =>
      async (input, init) => {
        const response = await fetch(input, init);
        if (!String(input).endsWith('/v1/nodes/self/config')) return response;
        const body = (await response.json()) as { config: Record<string, unknown>; signature: string };
        body.config.agent_update = { version: '9.9.9', sha256: forged, bytes: 9, url: '/v1/x' };
        if (mode === 'payload') {
          const [header, payload, signature] = body.signature.split('.') as [string, string, string];
          const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
          claims.agent_update = { ...claims.agent_update, sha256: forged };
          body.signature = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
        }
        return new Response(JSON.stringify(body), {
          status: 200,
          headers: { 'content-type': 'application/json' },
        });
      };
    const run = async (mode: 'unsigned' | 'payload') => {
      const state = fs.mkdtempSync(path.join(dir, 'tamper-'));
      const update = {
        onConfig: vi.fn(),
        onApplied: vi.fn(),
        report: () => ({ agent_version: '0.1.0' }),
        unconfirmed: false,
      };
      const agent = new Agent({
        config: {
          version: 1,
          api_url: stack.auth.url,
          gateway_url: stack.gateways[0]!.url,
          node_id: node.node_id,
          name: 'tampered',
          network_cidr: node.network_cidr,
          tunnel_ip: node.tunnel_ip,
          interface: 'wfmem1',
          listen_port: 51820,
          backend: 'memory',
          wireguard_public_key: node.publicKey,
          dir: state,
          configPath: path.join(state, 'agent.json'),
        },
        secrets: { wireguardPrivateKey: node.privateKey, nodeSecret: node.node_secret },
        dataplane: new MemoryDataplane(createLogger({ service: 'node-agent', level: 'silent' })),
        state: new StateStore(state),
        logger: createLogger({ service: 'node-agent', level: 'silent' }),
        fetchImpl: tamper(mode),
        update,
      });
      await agent.start();
      return { agent, update };
    };
    const unsigned = await run('unsigned');
    await expect
      .poll(() => unsigned.update.onConfig.mock.calls.length, { timeout: 15_000 })
      .toBeGreaterThan(0);
    const signed = unsigned.update.onConfig.mock.calls[0]![0];
    expect(signed).toMatchObject({ version: '0.2.0', url: '/v1/agent/releases/0.2.0/wirefleet-agent.mjs' });
    expect(signed.sha256).not.toBe(forged);
    await unsigned.agent.stop();

    const badSignature = await run('payload');
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(badSignature.update.onConfig).not.toHaveBeenCalled();
    expect(badSignature.agent.revision).toBeUndefined();
    await badSignature.agent.stop();
  }, 30_000);
});
