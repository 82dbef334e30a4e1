import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../../bench/support/child-service.js';

/** Node arguments that start one program, and which form of it they run. */
export interface EntryPoint {
  args: string[];
  form: 'build' | 'sources';
  /** Why the sources run instead of the build (missing or older than a source file). */
  why?: string;
}

const TSX = ['--conditions=source', '--import', 'tsx'];

function newestMtime(dir: string): number {
  let newest = 0;
  const stack = [dir];
  for (let guard = 0; stack.length > 0 && guard < 100_000; guard += 1) {
    const current = stack.pop()!;
    for (const entry of fs.readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) stack.push(full);
      else if (entry.name.endsWith('.ts')) newest = Math.max(newest, fs.statSync(full).mtimeMs);
    }
  }
  return newest;
}

/**
 * The build when it exists and is newer than every source it was made from (CI builds before
 * testing), otherwise the TypeScript sources through tsx: a stale build would test old code.
 */
function choose(built: string, source: string, sourceDirs: string[]): EntryPoint {
  const builtPath = path.join(REPO_ROOT, built);
  const sourceArgs = [...TSX, path.join(REPO_ROOT, source)];
  if (!fs.existsSync(builtPath)) return { args: sourceArgs, form: 'sources', why: `${built} is not built` };
  const newestSource = Math.max(...sourceDirs.map((dir) => newestMtime(path.join(REPO_ROOT, dir))));
  if (fs.statSync(builtPath).mtimeMs < newestSource) {
    return { args: sourceArgs, form: 'sources', why: `${built} is older than its sources` };
  }
  return { args: [builtPath], form: 'build' };
}

export function authApiEntry(): EntryPoint {
  return choose('auth-api/dist/main.js', 'auth-api/src/main.ts', ['auth-api/src', 'shared/src', 'migrations/src']);
}

export function gatewayEntry(): EntryPoint {
  return choose('gateway-service/dist/main.js', 'gateway-service/src/main.ts', ['gateway-service/src', 'shared/src']);
}

/** The one-file agent bundle `npm run build` makes (what ships), else the agent's sources. */
export function agentEntry(): EntryPoint {
  return choose('node-agent/dist/wirefleet-agent.mjs', 'node-agent/src/main.ts', ['node-agent/src', 'shared/src']);
}
