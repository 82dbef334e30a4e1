/**
 * The one-peer change pipeline of test/bench/suites/agent/change.ts in a process of its own,
 * started with the V8 flags the agent ships with (its bin's shebang): what an installed agent
 * takes. Argument: a JSON file `{ netns, ifname, privateKey, jwks, configs }`. The first config
 * is the interface's current state (the new dataplane adopts it: not timed); each later one is
 * timed from signed config in hand to apply resolved, through the objects Agent keeps between
 * configs. Prints `{ "totals": [ms, …] }`.
 */
import fs from 'node:fs';
import { createLogger } from '@wirefleet/shared/logging';
import { type Jwks, StaticKeySet } from '@wirefleet/shared/tokens';
import { LinuxDataplane } from '../../../node-agent/src/dataplane/linux/linux-dataplane.js';
import { DesiredStateConverter } from '../../../node-agent/src/trust/desired-state.js';
import { SignedConfigVerifier } from '../../../node-agent/src/trust/verify-config.js';
import { NODE_ID } from './agent-fixtures.js';
import { msSince } from './stats.js';

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
const plane = new LinuxDataplane({ interfaceName: input.ifname, privateKey: input.privateKey, logger, netns: input.netns });
const totals: number[] = [];
let applied: number | undefined;
for (const [index, jws] of input.configs.entries()) {
  const started = process.hrtime.bigint();
  const config = await verifier.verify(jws, applied);
  const report = await plane.apply(await converter.convert(config));
  const took = msSince(started);
  applied = config.revision;
  if (index === 0) continue;
  if (report.peersUpdated !== 1) throw new Error(`a one-peer change applied ${JSON.stringify(report)}`);
  totals.push(took);
}
process.stdout.write(`${JSON.stringify({ totals })}\n`);
