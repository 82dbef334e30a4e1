import { spawn } from 'node:child_process';
import { REPO_ROOT } from './child-service.js';
import { readMemory } from './procfs.js';

// The same tiny server either way, so the difference is what the tsx loader itself holds.
const SCRIPT = [
  "import express from 'express';",
  "const server = express().listen(0, '127.0.0.1', () => process.stdout.write('ready\\n'));",
  "process.once('SIGTERM', () => server.close(() => process.exit(0)));",
].join('\n');

async function idleRssKiB(nodeArgs: string[]): Promise<number> {
  const child = spawn(process.execPath, [...nodeArgs, '--input-type=module', '-e', SCRIPT], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('ready')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`idle server exited with ${code}`)));
    });
    // Let start-up garbage be collected or settle before reading.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    return readMemory(child.pid!).rssKiB;
  } finally {
    child.kill('SIGTERM');
  }
}

/**
 * How much resident memory `--import tsx` adds to a Node process (the bench runs the auth-api
 * from its TypeScript sources, as `npm start` does; a built `start:dist` does not carry it).
 */
export async function tsxOverheadKiB(): Promise<{ plainKiB: number; tsxKiB: number }> {
  const plainKiB = await idleRssKiB([]);
  const tsxKiB = await idleRssKiB(['--conditions=source', '--import', 'tsx']);
  return { plainKiB, tsxKiB };
}
