import path from 'node:path';
import { AGENT_MAIN } from './agent-process.js';

/**
 * The built agent (node-agent/dist/main.js and everything it imports) bundled into one
 * minified ESM file with esbuild — an experiment for the idle-memory proposal, not how the
 * agent ships. esbuild is here as tsx's dependency; without it this returns undefined.
 */
export async function bundleAgent(outDir: string): Promise<string | undefined> {
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch {
    return undefined;
  }
  const outfile = path.join(outDir, 'agent.bundle.mjs');
  await esbuild.build({
    entryPoints: [AGENT_MAIN],
    outfile,
    bundle: true,
    minify: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'error',
    // CommonJS dependencies (pino, ws, jsonwebtoken) call require() for Node's own modules.
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  });
  return outfile;
}
