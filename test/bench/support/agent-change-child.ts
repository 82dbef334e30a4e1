/**
 * The one-peer change pipeline of test/bench/suites/agent/change.ts in a process of its own,
 * started with the V8 flags the agent ships with (its bin's shebang): what an installed agent
 * takes. Argument: a JSON file `{ netns, ifname, privateKey, jwks, configs }`. The first config
 * is the interface's current state (the new dataplane adopts it: not timed); each later one is
 * timed from signed config in hand to apply resolved, through the objects Agent keeps between
 * configs. Then, apart: reading the config endpoint's answer for the last config (the JWS beside
 * its unsigned copy) as the agent reads it, and with JSON.parse. Prints
 * `{ "totals": [ms, …], "responseRead": ms, "responseParse": ms, "responseBytes": n }`.
 */
import fs from 'node:fs';
import { createLogger } from '@wirefleet/shared/logging';
import { type Jwks, StaticKeySet } from '@wirefleet/shared/tokens';
import { readConfigResponse } from '../../../node-agent/src/control/config-response.js';
import { LinuxDataplane } from '../../../node-agent/src/dataplane/linux/linux-dataplane.js';
import { DesiredStateConverter } from '../../../node-agent/src/trust/desired-state.js';
import { SignedConfigVerifier } from '../../../node-agent/src/trust/verify-config.js';
import { NODE_ID } from './agent-fixtures.js';
import { median, msSince } from './stats.js';

const input = JSON.parse(fs.readFileSync(process.argv[2]!, 'utf8')) as {
  netns: string;
  ifname: string;
  privateKey: string;
  jwks: Jwks;
  configs: string[];
};
const logger = createLogger({ service: 'bench-agent', level: 'silent' });
const verifier = new SignedConfigVerifier(new StaticKeySet(input.jwks), NODE_ID);
const converter = new DesiredStateConverter();
const plane = new LinuxDataplane({
  interfaceName: input.ifname,
  privateKey: input.privateKey,
  logger,
  netns: input.netns,
});
const totals: number[] = [];
let applied: number | undefined;
let lastConfig: unknown;
for (const [index, jws] of input.configs.entries()) {
  const started = process.hrtime.bigint();
  const config = await verifier.verify(jws, applied);
  const report = await plane.apply(await converter.convert(config));
  const took = msSince(started);
  applied = config.revision;
  lastConfig = config;
  if (index === 0) continue;
  if (report.peersUpdated !== 1) throw new Error(`a one-peer change applied ${JSON.stringify(report)}`);
  totals.push(took);
}

/** Median ms of `read` over a few rounds, checking it found the signature. */
function timeRead(text: string, read: (text: string) => unknown): number {
  const times: number[] = [];
  for (let round = 0; round < 5; round += 1) {
    const started = process.hrtime.bigint();
    const body = read(text) as { signature?: unknown };
    times.push(msSince(started));
    if (body.signature !== input.configs.at(-1)) throw new Error('the answer was misread');
  }
  return median(times);
}

// The answer as the auth-api sends it (res.json of signNodeConfig's value).
const response = JSON.stringify({ config: lastConfig, signature: input.configs.at(-1) });
const responseRead = timeRead(response, readConfigResponse);
const responseParse = timeRead(response, JSON.parse);
const responseBytes = Buffer.byteLength(response);
process.stdout.write(`${JSON.stringify({ totals, responseRead, responseParse, responseBytes })}\n`);
