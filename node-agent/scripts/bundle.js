// Bundles the compiled agent — dist/main.js and everything it imports: @wirefleet/shared, pino,
// ws — into ONE file, dist/wirefleet-agent.mjs, which bin/wirefleet-agent.js runs when present.
// One module instead of hundreds keeps ~12 MiB less resident in every agent (docs/agent.md).
// Runs after `tsc -b` in the root `npm run build`. The agent's version (node-agent/package.json,
// or WIREFLEET_AGENT_VERSION) is written into the bundle: self-update compares it with the
// version the signed config wants.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const dist = (file) => fileURLToPath(new URL(`../dist/${file}`, import.meta.url));
const packageVersion = () =>
  JSON.parse(fs.readFileSync(fileURLToPath(new URL('../package.json', import.meta.url)), 'utf8')).version;

/**
 * Writes one bundle of the agent. `entry` defaults to the compiled dist/main.js; tests bundle
 * src/main.ts (with the `source` condition) under another `version` to have a second build.
 */
export async function bundleAgent({
  entry = dist('main.js'),
  outfile = dist('wirefleet-agent.mjs'),
  version = packageVersion(),
  conditions = [],
} = {}) {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions,
    // Whitespace and syntax only: names stay, so stack traces in the agent's log stay readable.
    minifyWhitespace: true,
    minifySyntax: true,
    logLevel: 'warning',
    // CommonJS dependencies (pino, ws) call require() for Node's own modules.
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
    define: {
      // ws's optional native helpers are not needed for the agent's small frames: never load them.
      'process.env.WS_NO_BUFFER_UTIL': '"1"',
      'process.env.WS_NO_UTF_8_VALIDATE': '"1"',
      __WIREFLEET_AGENT_VERSION__: JSON.stringify(version),
    },
  });
  return outfile;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url))
  await bundleAgent({ version: process.env.WIREFLEET_AGENT_VERSION || packageVersion() });
