import { describe, expect, it } from 'vitest';
import { type CommandRunner, type RunOptions, netnsRunner, runIpBatch } from './command-runner.js';

function recorder() {
  const calls: { file: string; args: readonly string[]; options?: RunOptions }[] = [];
  const run: CommandRunner = async (file, args, options) => {
    calls.push({ file, args, ...(options ? { options } : {}) });
    return { stdout: '', stderr: '' };
  };
  return { calls, run };
}

describe('runIpBatch', () => {
  it('runs every command in one `ip -batch -`, a line each', async () => {
    const { calls, run } = recorder();
    await runIpBatch(
      run,
      [
        ['addr', 'replace', '10.0.0.1/16', 'dev', 'wf0'],
        ['link', 'set', 'wf0', 'up'],
      ],
      ['-j'],
    );
    expect(calls).toEqual([
      { file: 'ip', args: ['-j', '-batch', '-'], options: { input: 'addr replace 10.0.0.1/16 dev wf0\nlink set wf0 up\n' } },
    ]);
  });

  it('refuses an argument that could start another command or word, and an empty command', async () => {
    const { calls, run } = recorder();
    for (const bad of ['wf0\nlink del wf0', 'wf0 up', '"wf0"', 'wf0;']) {
      await expect(runIpBatch(run, [['link', 'set', bad, 'up']])).rejects.toThrow(/refusing argument/);
    }
    await expect(runIpBatch(run, [[]])).rejects.toThrow(/empty/);
    expect(calls).toEqual([]);
  });
});

describe('netnsRunner', () => {
  it('runs ip with -n (one process) and other programs through ip netns exec', async () => {
    const { calls, run } = recorder();
    const inNs = netnsRunner(run, 'wft-1');
    await inNs('ip', ['-j', 'addr', 'show']);
    await inNs('nft', ['-f', '-'], { input: 'x' });
    expect(calls).toEqual([
      { file: 'ip', args: ['-n', 'wft-1', '-j', 'addr', 'show'] },
      { file: 'ip', args: ['netns', 'exec', 'wft-1', 'nft', '-f', '-'], options: { input: 'x' } },
    ]);
    expect(() => inNs('sh', ['-c', 'true'])).toThrow(/refusing to run/);
  });
});
