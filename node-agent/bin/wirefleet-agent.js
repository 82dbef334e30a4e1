#!/usr/bin/env -S node --max-semi-space-size=1 --no-opt
// The installed entry point (the systemd unit runs it): the bundled agent, dist/wirefleet-agent.mjs
// made by `npm run build`, else the compiled modules (dist/main.js). The V8 flags above keep an
// agent that idles for days small (docs/agent.md, "Memory"): a young generation of 1 MiB per
// semi-space (parsing a large signed config must not leave the heap grown: ~5 MiB), and no
// optimising compiler (~5 MiB). Neither slows a one-peer change on 10,000 peers measurably any
// more: it is read by difference (trust/peer-text-index.ts), so nothing parses the whole payload
// or loops over every peer's fields in baseline code. test/bench/suites/agent reads these flags
// from this line.
import { existsSync } from 'node:fs';

const bundle = new URL('../dist/wirefleet-agent.mjs', import.meta.url);
await import(existsSync(bundle) ? bundle.href : '../dist/main.js');
