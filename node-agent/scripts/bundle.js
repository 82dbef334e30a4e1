// Bundles the compiled agent — dist/main.js and everything it imports: @wirefleet/shared, pino,
// ws — into ONE file, dist/wirefleet-agent.mjs, which bin/wirefleet-agent.js runs when present.
// One module instead of hundreds keeps ~12 MiB less resident in every agent (docs/agent.md).
// Runs after `tsc -b` in the root `npm run build`.
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const dist = (file) => fileURLToPath(new URL(`../dist/${file}`, import.meta.url));

await build({
  entryPoints: [dist('main.js')],
  outfile: dist('wirefleet-agent.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Whitespace and syntax only: names stay, so stack traces in the agent's log stay readable.
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
  // CommonJS dependencies (pino, ws) call require() for Node's own modules.
  banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  // ws's optional native helpers are not needed for the agent's small frames: never load them.
  define: { 'process.env.WS_NO_BUFFER_UTIL': '"1"', 'process.env.WS_NO_UTF_8_VALIDATE': '"1"' },
});
