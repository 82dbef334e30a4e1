import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login, startTestAuthApi, type TestAuthApi } from './support/auth-api.js';
import { createEnrollmentKey } from './support/fleet.js';

const MAIN = fileURLToPath(new URL('../node-agent/src/main.ts', import.meta.url));

function agent(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', MAIN, ...args], {
      env: { ...process.env, WIREFLEET_ENROLLMENT_KEY: '', LOG_LEVEL: 'error', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('wirefleet-agent CLI', () => {
  let t: TestAuthApi;
  let dir: string;
  beforeAll(async () => {
    t = await startTestAuthApi({ redis: false });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wf-cli-'));
  });
  afterAll(async () => {
    await t.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('bad usage exits 2 with a clear message and the usage text', async () => {
    const none = await agent([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('usage:');
    const missing = await agent(['enroll', '--key', 'k']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--api is required');
    const badUrl = await agent([
      'enroll',
      '--api',
      'ftp://example',
      '--key',
      'k',
      '--config',
      path.join(dir, 'x.json'),
    ]);
    expect(badUrl.code).toBe(2);
    expect(badUrl.stderr).toContain('--api: expected an http(s) URL');
    const unknown = await agent(['run', '--frobnicate']);
    expect(unknown.code).toBe(2);
    const badBackend = await agent([
      'run',
      '--backend',
      'kernel-magic',
      '--config',
      path.join(dir, 'x.json'),
    ]);
    expect(badBackend.stderr).toContain('--backend');
    const badCa = await agent(
      [
        'enroll',
        '--api',
        'http://127.0.0.1:1',
        '--ca-file',
        path.join(dir, 'no-such-ca.pem'),
        '--config',
        path.join(dir, 'x.json'),
      ],
      {
        WIREFLEET_ENROLLMENT_KEY: 'k',
      },
    );
    expect(badCa.code).toBe(2);
    expect(badCa.stderr).toContain('--ca-file: cannot read');
  });

  it('a refused key and an unreachable API exit 1 and write nothing', async () => {
    const config = path.join(dir, 'refused', 'agent.json');
    const refused = await agent([
      'enroll',
      '--api',
      t.url,
      '--key',
      'wfek_nope',
      '--config',
      config,
      '--name',
      'refused',
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('enrollment refused: 401 invalid_enrollment_key');
    expect(fs.existsSync(config)).toBe(false);
    const unreachable = await agent([
      'enroll',
      '--api',
      'http://127.0.0.1:65530',
      '--key',
      'k',
      '--config',
      config,
    ]);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain('cannot reach the API');
  });

  it('enrolls: config and secrets in 0600 files, the private key only on this host; status reads them back', async () => {
    const admin = (await login(t.url)).access_token;
    const { key } = await createEnrollmentKey(t.url, admin);
    const config = path.join(dir, 'node1', 'agent.json');
    const enrolled = await agent([
      'enroll',
      '--api',
      t.url,
      '--key',
      key,
      '--config',
      config,
      '--name',
      'cli-node',
      '--endpoint',
      'vpn.example.com:51820',
      '--region',
      'eu',
    ]);
    expect(enrolled.code).toBe(0);
    expect(enrolled.stdout).toMatch(/enrolled as node \d+ \(cli-node\)/);
    for (const file of ['agent.json', 'wireguard.key', 'node.secret']) {
      expect((fs.statSync(path.join(dir, 'node1', file)).mode & 0o777).toString(8)).toBe('600');
    }
    const saved = JSON.parse(fs.readFileSync(config, 'utf8'));
    expect(saved).not.toHaveProperty('node_secret');
    const privateKey = fs.readFileSync(path.join(dir, 'node1', 'wireguard.key'), 'utf8').trim();
    const row = await t.db.knex('nodes').where({ name: 'cli-node' }).first();
    expect(JSON.stringify(row)).not.toContain(privateKey);
    expect(row.wg_public_key).toBe(saved.wireguard_public_key);

    const again = await agent(['enroll', '--api', t.url, '--key', key, '--config', config]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already enrolled');
    const shown = await agent(['status', '--config', config]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('(cli-node)');
  });

  // Found by the security review: `--key` was the only way, and a command line shows in `ps`.
  it('takes the key from --key-file or WIREFLEET_ENROLLMENT_KEY; --key still works with a warning', async () => {
    const admin = (await login(t.url)).access_token;
    const keyFile = path.join(dir, 'enrollment.key');
    fs.writeFileSync(keyFile, `${(await createEnrollmentKey(t.url, admin)).key}\n`, { mode: 0o600 });
    const fromFile = await agent([
      'enroll',
      '--api',
      t.url,
      '--key-file',
      keyFile,
      '--config',
      path.join(dir, 'kf', 'agent.json'),
      '--name',
      'from-file',
    ]);
    expect({ code: fromFile.code, stderr: fromFile.stderr }).toEqual({ code: 0, stderr: '' });
    const envKey = (await createEnrollmentKey(t.url, admin)).key;
    const fromEnv = await agent(
      ['enroll', '--api', t.url, '--config', path.join(dir, 'env', 'agent.json'), '--name', 'from-env'],
      { WIREFLEET_ENROLLMENT_KEY: envKey },
    );
    expect({ code: fromEnv.code, stderr: fromEnv.stderr }).toEqual({ code: 0, stderr: '' });
    const flagKey = (await createEnrollmentKey(t.url, admin)).key;
    const fromFlag = await agent([
      'enroll',
      '--api',
      t.url,
      '--key',
      flagKey,
      '--config',
      path.join(dir, 'flag', 'agent.json'),
      '--name',
      'from-flag',
    ]);
    expect(fromFlag.code).toBe(0);
    expect(fromFlag.stderr).toMatch(/warning: --key .*ps.*--key-file/);
    expect(fromFlag.stderr).not.toContain(flagKey);
    for (const name of ['from-file', 'from-env', 'from-flag'])
      expect(await t.db.knex('nodes').where({ name }).first()).toBeDefined();

    const none = await agent(['enroll', '--api', t.url, '--config', path.join(dir, 'none', 'agent.json')]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('WIREFLEET_ENROLLMENT_KEY');
    const missingFile = await agent([
      'enroll',
      '--api',
      t.url,
      '--key-file',
      path.join(dir, 'nope.key'),
      '--config',
      path.join(dir, 'none', 'agent.json'),
    ]);
    expect(missingFile.code).toBe(2);
    expect(missingFile.stderr).toContain('--key-file: cannot read');
    const both = await agent([
      'enroll',
      '--api',
      t.url,
      '--key',
      'k',
      '--key-file',
      keyFile,
      '--config',
      path.join(dir, 'none', 'agent.json'),
    ]);
    expect(both.code).toBe(2);
    expect(both.stderr).not.toContain(fs.readFileSync(keyFile, 'utf8').trim());
  });

  it('an unreadable, invalid or world-readable config exits 2 naming the problem', async () => {
    const missing = await agent(['status', '--config', path.join(dir, 'missing.json')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read the agent config');
    const broken = path.join(dir, 'broken', 'agent.json');
    fs.mkdirSync(path.dirname(broken), { recursive: true });
    fs.writeFileSync(broken, JSON.stringify({ version: 1, api_url: 'not a url' }));
    const invalid = await agent(['status', '--config', broken]);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain('api_url');
    const config = path.join(dir, 'node1', 'agent.json');
    fs.chmodSync(path.join(dir, 'node1', 'wireguard.key'), 0o644);
    const open = await agent(['run', '--config', config, '--backend', 'memory']);
    expect(open.code).toBe(2);
    expect(open.stderr).toContain('chmod 600');
    fs.chmodSync(path.join(dir, 'node1', 'wireguard.key'), 0o600);
  });
});
