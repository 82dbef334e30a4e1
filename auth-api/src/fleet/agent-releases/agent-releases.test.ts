import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeAgentRelease } from '../../../../test/support/agent-release.js';
import { AgentReleases, INSTALL_SCRIPT_NAME, MANIFEST_NAME } from './agent-releases.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-releases-'));
  dirs.push(dir);
  return dir;
}

describe('AgentReleases', () => {
  it('has nothing in an empty or missing folder', () => {
    const releases = new AgentReleases(path.join(tempDir(), 'missing'));
    expect(releases.latest()).toBeUndefined();
    expect(releases.find('1.0.0')).toBeUndefined();
    expect(releases.bundlePath('1.0.0')).toBeUndefined();
  });

  it('serves the top-level manifest as latest and kept versions from their folders', () => {
    const dir = tempDir();
    const latest = writeAgentRelease(dir, '1.2.0');
    const kept = writeAgentRelease(path.join(dir, '1.1.0'), '1.1.0');
    const releases = new AgentReleases(dir);
    expect(releases.latest()).toEqual(latest);
    expect(releases.find('1.2.0')).toEqual(latest);
    expect(releases.find('1.1.0')).toEqual(kept);
    expect(releases.bundlePath('1.2.0')).toBe(path.join(dir, 'wirefleet-agent.mjs'));
    expect(releases.bundlePath('1.1.0')).toBe(path.join(dir, '1.1.0', 'wirefleet-agent.mjs'));
    expect(releases.find('1.0.0')).toBeUndefined();
  });

  it('re-reads the manifest when a new release is written', () => {
    const dir = tempDir();
    writeAgentRelease(dir, '1.0.0');
    const releases = new AgentReleases(dir);
    expect(releases.latest()?.version).toBe('1.0.0');
    writeAgentRelease(dir, '1.0.1', '// a longer body, so the size changes too\n');
    expect(releases.latest()?.version).toBe('1.0.1');
    expect(releases.find('1.0.0')).toBeUndefined();
  });

  it('names nothing outside the folder', () => {
    const dir = tempDir();
    writeAgentRelease(path.join(dir, 'inner'), '1.0.0');
    const releases = new AgentReleases(path.join(dir, 'inner'));
    writeAgentRelease(dir, '0.9.0');
    for (const version of ['..', '../1.0.0', '1.0.0/..', '/etc', '1.0.0/../../x', '']) {
      expect(releases.find(version)).toBeUndefined();
      expect(releases.bundlePath(version)).toBeUndefined();
    }
    // a manifest naming a path instead of a file is not a manifest
    fs.writeFileSync(
      path.join(dir, 'inner', MANIFEST_NAME),
      JSON.stringify({ ...writeAgentRelease(path.join(dir, 'x'), '1.0.0'), file: '../wirefleet-agent.mjs' }),
    );
    expect(releases.latest()).toBeUndefined();
    expect(releases.bundlePath('1.0.0')).toBeUndefined();
  });

  it('treats a manifest that does not parse, or a missing bundle, as absent', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, MANIFEST_NAME), '{"name":');
    expect(new AgentReleases(dir).latest()).toBeUndefined();
    writeAgentRelease(dir, '1.0.0');
    fs.rmSync(path.join(dir, 'wirefleet-agent.mjs'));
    const releases = new AgentReleases(dir);
    expect(releases.latest()?.version).toBe('1.0.0');
    expect(releases.bundlePath('1.0.0')).toBeUndefined();
  });

  it("serves the release folder's install script, else the repository's, with the API URL filled in", () => {
    const dir = tempDir();
    const releases = new AgentReleases(dir);
    expect(releases.installScript('https://wf.example')).toContain(
      "WIREFLEET_API_DEFAULT='https://wf.example'\n",
    );
    fs.writeFileSync(path.join(dir, INSTALL_SCRIPT_NAME), "#!/bin/sh\nWIREFLEET_API_DEFAULT=''\necho $1\n");
    // A quote in the URL cannot end the shell string; `$'` is no replacement pattern here.
    expect(releases.installScript("https://wf.example/a'b$'")).toBe(
      "#!/bin/sh\nWIREFLEET_API_DEFAULT='https://wf.example/a'\\''b$'\\'''\necho $1\n",
    );
  });
});
