import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, login, startTestAuthApi, type TestAuthApi } from '../support/auth-api.js';
import { createEnrollmentKey } from '../support/fleet.js';
import {
  buildRelease,
  curlInstall,
  freePort,
  INSTALL_SCRIPT,
  SYSTEMD_UNIT,
  sha256Of,
  treeSnapshot,
  unitInScript,
} from '../support/install-script.js';
import { createTestNetwork, netnsSkipReason, type TestHost, type TestNetwork } from '../support/netns.js';

describe('install-agent.sh', () => {
  it('installs infra/systemd/wirefleet-agent.service, with ExecStart through its wrapper', () => {
    const unit = unitInScript(fs.readFileSync(INSTALL_SCRIPT, 'utf8')).split('\n');
    const reference = fs.readFileSync(SYSTEMD_UNIT, 'utf8').trimEnd().split('\n');
    // Comments may say it their way; every setting must be the reference unit's.
    const settings = (lines: string[]) =>
      lines.filter((line) => !line.startsWith('#') && !line.startsWith('ExecStart='));
    expect(settings(unit)).toEqual(settings(reference));
    expect(unit.filter((line) => line.startsWith('ExecStart='))).toEqual([
      'ExecStart=/usr/local/bin/wirefleet-agent run --config /etc/wirefleet/agent.json',
    ]);
  });

  it('parses, and refuses an unknown option with its usage', async () => {
    const { spawnSync } = await import('node:child_process');
    const run = spawnSync('bash', [INSTALL_SCRIPT, '--frobnicate'], { encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('unknown option --frobnicate');
    expect(run.stderr).toContain('--key-file PATH');
  });
});

const skip = netnsSkipReason();

/**
 * The issue's scenario end to end: a release built into the API's AGENT_RELEASES_DIR, the API on
 * the test bridge, and `curl <api>/install.sh | bash` inside a namespace host, whose enroll
 * step is the real one against the real API (Postgres, Redis).
 */
describe.skipIf(skip !== undefined)(
  `install from the server in a namespace${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    let network: TestNetwork;
    let host: TestHost;
    let auth: TestAuthApi;
    let admin: string;
    let release: { version: string; file: string; sha256: string };
    let key: string;
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'wf-install-'));
    const releases = path.join(work, 'releases');
    const root = path.join(work, 'root');
    const keyFile = path.join(work, 'enrollment-key');
    const flags = ['--key-file', keyFile, '--no-apt', '--no-systemd', '--name', 'installed-1'];

    const nodeNames = async () =>
      (
        (await call<{ items: { name: string }[] }>(auth.url, 'GET', '/v1/nodes', { token: admin })).body
          .items ?? []
      ).map((node) => node.name);

    beforeAll(async () => {
      release = await buildRelease(releases);
      network = await createTestNetwork(1);
      host = network.hosts[0]!;
      const port = await freePort(network.gatewayAddress);
      auth = await startTestAuthApi({
        env: {
          AUTH_API_HOST: network.gatewayAddress,
          AUTH_API_PORT: String(port),
          // What /install.sh fills in as the default --api: the address the namespace reaches.
          AUTH_PUBLIC_URL: `http://${network.gatewayAddress}:${port}`,
          AGENT_RELEASES_DIR: releases,
        },
      });
      admin = (await login(auth.url)).access_token;
      ({ key } = await createEnrollmentKey(auth.url, admin, { reusable: true, max_uses: 5 }));
      fs.writeFileSync(keyFile, `${key}\n`, { mode: 0o600 });
    }, 300_000);

    afterAll(async () => {
      await auth?.close().catch(() => undefined);
      await network?.teardown();
      fs.rmSync(work, { recursive: true, force: true });
    });

    it('installs the checked bundle and enrolls the host for real', async () => {
      const run = await curlInstall(host, auth.url, [...flags, '--root', root]);
      expect(run, run.stderr).toMatchObject({ code: 0 });
      expect(run.stdout).toContain(`installed agent ${release.version}`);
      expect(run.stdout).toContain('enrolled as node');
      expect(await nodeNames()).toEqual(['installed-1']);
      // release:agent put the script beside the bundle; that copy is what /install.sh served.
      expect(fs.readFileSync(path.join(releases, 'install-agent.sh'), 'utf8')).toBe(
        fs.readFileSync(INSTALL_SCRIPT, 'utf8'),
      );

      const installed = path.join(root, 'opt/wirefleet/agent', release.version, release.file);
      expect(sha256Of(installed)).toBe(release.sha256);
      expect(fs.readlinkSync(path.join(root, 'opt/wirefleet/agent/current'))).toBe(release.version);
      const config = JSON.parse(fs.readFileSync(path.join(root, 'etc/wirefleet/agent.json'), 'utf8'));
      expect(config.api_url ?? config.api).toBe(auth.url);
      const unit = fs.readFileSync(path.join(root, 'etc/systemd/system/wirefleet-agent.service'), 'utf8');
      expect(unit).toContain(
        `ExecStart=${root}/usr/local/bin/wirefleet-agent run --config ${root}/etc/wirefleet/agent.json`,
      );
      // The wrapper runs the installed bundle: `status` reads the config the enrollment wrote.
      const status = await host.exec([
        path.join(root, 'usr/local/bin/wirefleet-agent'),
        'status',
        '--config',
        path.join(root, 'etc/wirefleet/agent.json'),
      ]);
      expect(status).toContain(String(config.node_id));
    });

    it('changes nothing when run again: no second enrollment, no file written', async () => {
      const before = treeSnapshot(root);
      const run = await curlInstall(host, auth.url, [...flags, '--root', root]);
      expect(run, run.stderr).toMatchObject({ code: 0 });
      expect(run.stdout).toContain('already enrolled');
      expect(run.stdout).toContain('nothing changed');
      expect(treeSnapshot(root)).toEqual(before);
      expect(await nodeNames()).toEqual(['installed-1']);
    });

    it('refuses a bundle whose SHA-256 is not the release’s, naming both, and installs nothing', async () => {
      const manifestFile = path.join(releases, 'agent-release.json');
      const genuine = fs.readFileSync(manifestFile, 'utf8');
      const claimed = 'f'.repeat(64);
      fs.writeFileSync(manifestFile, JSON.stringify({ ...JSON.parse(genuine), sha256: claimed }));
      try {
        const otherRoot = path.join(work, 'tampered-root');
        const run = await curlInstall(host, auth.url, [...flags, '--name', 'tampered', '--root', otherRoot]);
        expect(run.code).toBe(1);
        expect(run.stderr).toContain(`its SHA-256 is ${release.sha256}, the release says ${claimed}`);
        expect(
          fs.existsSync(path.join(otherRoot, 'opt/wirefleet/agent', release.version, release.file)),
        ).toBe(false);
        expect(fs.existsSync(path.join(otherRoot, 'etc/wirefleet/agent.json'))).toBe(false);
        expect(await nodeNames()).toEqual(['installed-1']);
      } finally {
        fs.writeFileSync(manifestFile, genuine);
      }
    });

    it('takes the key from --key too, warning that ps shows it', async () => {
      const run = await curlInstall(host, auth.url, [
        ...['--key', key, '--no-apt', '--no-systemd', '--name', 'installed-2'],
        ...['--root', path.join(work, 'second-root')],
      ]);
      expect(run, run.stderr).toMatchObject({ code: 0 });
      expect(run.stderr).toContain('warning: --key puts the enrollment key on the command line');
      expect((await nodeNames()).sort()).toEqual(['installed-1', 'installed-2']);
    });
  },
);
