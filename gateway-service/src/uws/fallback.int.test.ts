import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isNativeUws, loadUws } from './load-uws.js';

const main = fileURLToPath(new URL('../main.ts', import.meta.url));

function runGateway(env: Record<string, string>, waitMs: number): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', main], {
      env: { ...process.env, GATEWAY_PORT: '0', LOG_LEVEL: 'info', ...env },
    });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGTERM'), waitMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, stdout });
    });
  });
}

describe('uWebSockets.js native binary', () => {
  it('loads natively on this machine', () => {
    expect(loadUws(false).native).toBe(true);
    expect(isNativeUws({ App: () => undefined, us_listen_socket_close: () => undefined })).toBe(false);
  });

  it('the gateway refuses to start on the ws emulation', async () => {
    const result = await runGateway({ UWS_USE_FALLBACK: '1' }, 15_000);
    expect(result.code).toBe(1);
    // One fatal log line that says what happened and the variable that allows it anyway.
    // (The emulation itself prints a plain "Using µWS fallback" line first.)
    const logLines = result.stdout.split('\n').filter((line) => line.startsWith('{'));
    expect(logLines).toHaveLength(1);
    const fatal = JSON.parse(logLines[0]!) as { level: string; msg: string };
    expect(fatal.level).toBe('fatal');
    expect(fatal.msg).toContain('fell back to a slow ws emulation');
    expect(fatal.msg).toContain('GATEWAY_ALLOW_UWS_FALLBACK');
  });

  it('starts on the emulation only when told to, and says so', async () => {
    const result = await runGateway({ UWS_USE_FALLBACK: '1', GATEWAY_ALLOW_UWS_FALLBACK: 'true' }, 6_000);
    expect(result.stdout).toContain('gateway listening');
    expect(result.stdout).toContain('ws emulation');
    expect(result.code).toBe(0);
  });
});
