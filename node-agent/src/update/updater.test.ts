import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '@wirefleet/shared/logging';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { beforeStart } from './pending-check.js';
import { ReleaseStore } from './release-store.js';
import { Updater } from './updater.js';
import { compareVersions } from './version.js';

const logger = createLogger({ service: 'node-agent', level: 'silent' });
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function store(): { store: ReleaseStore; installed: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wf-update-'));
  dirs.push(dir);
  const installed = path.join(dir, 'installed.mjs');
  fs.writeFileSync(installed, '// installed');
  return { store: new ReleaseStore(path.join(dir, 'state')), installed };
}

const BUILD = Buffer.from('// agent 0.2.0\n');
const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
let server: http.Server;
let apiUrl: string;
beforeAll(async () => {
  server = http.createServer((request, response) => {
    if (request.url === '/v1/agent/releases/0.2.0/wirefleet-agent.mjs') response.end(BUILD);
    else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function updater(s: ReleaseStore, installed: string, restart = vi.fn()) {
  const u = new Updater({
    store: s,
    version: '0.1.0',
    installed,
    apiUrl,
    logger,
    confirmMs: 60_000,
    restart,
  });
  return { u, restart };
}

const wanted = (over: Partial<{ sha256: string; bytes: number; url: string }> = {}) => ({
  version: '0.2.0',
  sha256: sha(BUILD),
  bytes: BUILD.length,
  url: '/v1/agent/releases/0.2.0/wirefleet-agent.mjs',
  ...over,
});

describe('Updater', () => {
  it('downloads a build that matches the signed size and hash, switches current to it and restarts', async () => {
    const { store: s, installed } = store();
    const { u, restart } = updater(s, installed);
    u.onConfig(wanted());
    await vi.waitFor(() => expect(restart).toHaveBeenCalledOnce());
    expect(fs.readFileSync(s.current)).toEqual(BUILD);
    expect(s.target(s.previous)).toBe(installed);
    expect(s.pending()).toMatchObject({ version: '0.2.0', from: '0.1.0', starts: 0 });
    expect(s.state()).toMatchObject({ state: 'restarting', version: '0.2.0' });
  });

  it.each([
    ['a bad hash', { sha256: 'ab'.repeat(32) }, /sha256 .* the signed config says abab/],
    ['a wrong size', { bytes: BUILD.length + 1 }, /bytes, the signed config says/],
    ['a longer file', { bytes: BUILD.length - 1 }, /larger than the signed size/],
    ['a missing release', { url: '/v1/agent/releases/0.2.0/nope.mjs' }, /answered 404/],
  ])(
    'refuses %s: nothing switched, the state says why, not retried in this run',
    async (_name, over, error) => {
      const { store: s, installed } = store();
      const { u, restart } = updater(s, installed);
      u.onConfig(wanted(over));
      await vi.waitFor(() => expect(s.state()?.state).toBe('failed'));
      expect(s.state()?.error).toMatch(error);
      expect(restart).not.toHaveBeenCalled();
      expect(fs.existsSync(s.current)).toBe(false);
      expect(fs.readdirSync(path.dirname(s.releaseFile('0.2.0')))).toEqual([]);
      u.onConfig(wanted(over));
      expect(s.state()?.state).toBe('failed');
    },
  );

  it('does nothing for its own version, no update, or a version rolled back from', () => {
    const { store: s, installed } = store();
    const { u } = updater(s, installed);
    u.onConfig(undefined);
    u.onConfig({ ...wanted(), version: '0.1.0' });
    s.markBad('0.2.0');
    u.onConfig(wanted());
    expect(s.state()).toBeUndefined();
    expect(u.report()).toEqual({ agent_version: '0.1.0' });
  });
});

describe('beforeStart', () => {
  it('gives a new build one start, then keeps it once it confirmed', () => {
    const { store: s, installed } = store();
    const file = s.releaseFile('0.2.0');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, 'x');
    s.switchTo(file, installed);
    s.setPending({ version: '0.2.0', from: '0.1.0', switched_at: '', starts: 0 });
    expect(beforeStart(s, 5000, 1000)).toEqual({ action: 'start-new', version: '0.2.0', deadline: 6000 });
    s.confirm('0.2.0');
    expect(beforeStart(s, 5000)).toEqual({ action: 'start' });
    expect(s.target(s.current)).toBe(file);
    expect(s.state()).toMatchObject({ state: 'updated', version: '0.2.0' });
  });

  it('rolls back a build started without confirming, and remembers it as bad', () => {
    const { store: s, installed } = store();
    const file = s.releaseFile('0.2.0');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, 'x');
    s.switchTo(file, installed);
    s.setPending({ version: '0.2.0', from: '0.1.0', switched_at: '', starts: 1 });
    expect(beforeStart(s, 5000)).toEqual({ action: 'rolled-back', version: '0.2.0', to: '0.1.0' });
    expect(s.target(s.current)).toBe(installed);
    expect(s.badVersions()).toEqual(['0.2.0']);
    expect(s.pending()).toBeUndefined();
    expect(s.state()).toMatchObject({ state: 'rolled_back', version: '0.2.0' });
  });
});

it('compareVersions orders releases numerically, a pre-release before its release', () => {
  expect(compareVersions('0.10.0', '0.9.1')).toBe(1);
  expect(compareVersions('1.0.0-rc.1', '1.0.0')).toBe(-1);
  expect(compareVersions('1.2.3', '1.2.3')).toBe(0);
});

describe('checkSupport', () => {
  const answering = (body: unknown) => async () => ({ status: 200, ok: true, body });
  const run = async (body: unknown) => {
    const { store: s, installed } = store();
    const lines: string[] = [];
    const log = { error: (_: unknown, line: string) => lines.push(line), debug() {}, info() {} };
    const u = new Updater({
      store: s,
      version: '0.1.0',
      installed,
      apiUrl,
      logger: log as unknown as typeof logger,
      confirmMs: 60_000,
      restart: vi.fn(),
      request: answering(body),
    });
    await u.checkSupport();
    u.onConfig(undefined);
    return lines;
  };

  it('an agent older than min_agent_version says so clearly, at start and with each config', async () => {
    const lines = await run({ min_agent_version: '0.2.0', server_version: '0.3.0' });
    expect(lines).toEqual([
      'this agent (0.1.0) is older than the oldest agent the server (0.3.0) supports, 0.2.0: update it',
      'this agent (0.1.0) is older than the oldest agent the server (0.3.0) supports, 0.2.0: update it',
    ]);
  });

  it('a supported agent says nothing', async () => {
    expect(await run({ min_agent_version: '0.1.0', server_version: '0.1.0' })).toEqual([]);
  });
});
