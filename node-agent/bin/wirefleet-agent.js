#!/usr/bin/env -S node --max-semi-space-size=1 --no-opt
// The installed entry point (the systemd unit runs it): the bundled agent, dist/wirefleet-agent.mjs
// made by `npm run build`, else the compiled modules (dist/main.js). The V8 flags above keep an
// agent that idles for days small (docs/agent.md, "Memory"): a young generation of 1 MiB per
// semi-space (parsing a large signed config must not leave the heap grown: ~5 MiB), and no
// optimising compiler (~5 MiB). Neither slows a one-peer change on 10,000 peers measurably any
// more: it is read by difference (trust/peer-text-index.ts), so nothing parses the whole payload
// or loops over every peer's fields in baseline code. test/bench/suites/agent reads these flags
// from this line.
//
// Self-update (docs/agent.md, "Self-update"): `run` starts the build the agent switched to,
// `<config dir>/state/current`, when there is one; every other command (and `supervise`, which
// starts that build itself) is this installed build.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

function switchedBuild(args) {
  if (args[0] !== 'run') return undefined;
  const at = args.findIndex((arg) => arg === '--config' || arg.startsWith('--config='));
  const config =
    at < 0 ? '/etc/wirefleet/agent.json' : args[at].includes('=') ? args[at].slice(9) : args[at + 1];
  const current = path.join(path.dirname(path.resolve(config ?? '.')), 'state', 'current');
  return existsSync(current) ? pathToFileURL(current).href : undefined;
}

const bundle = new URL('../dist/wirefleet-agent.mjs', import.meta.url);
await import(switchedBuild(process.argv.slice(2)) ?? (existsSync(bundle) ? bundle.href : '../dist/main.js'));
