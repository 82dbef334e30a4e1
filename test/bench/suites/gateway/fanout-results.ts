import { gatewayEntry } from '../../support/gateway-servers.js';
import type { BenchContext, BenchResult } from '../../types.js';
import type { GatewayBenchEnv } from './bench-env.js';
import {
  describeRun,
  type FanoutRun,
  type FanoutSubject,
  gatewaySubject,
  relaySubject,
  runFanout,
  socketIoSubject,
} from './fanout.js';

/** Gateway and floor alternate this many times; each keeps its cheapest undisturbed round. */
const ROUNDS = 2;

/**
 * Cores busy outside server, clients and bench above which a round counts as disturbed. Other
 * load does not just add noise here, it flatters the server: descheduled more often, it finds
 * several events waiting per wake-up and writes them together (seen: 1.55 µs per delivery with
 * 0.95 cores of outside load vs 2.3 µs quiet, the same server).
 */
const DISTURBED_CORES = 0.3;

/** The cheapest of the undisturbed rounds (of all rounds when every one was disturbed). */
function cheapest(
  rounds: FanoutRun[][],
  rateIndex: number,
  by: (run: FanoutRun) => number = (run) => run.cpuMicros,
) {
  const all = rounds.map((runs) => runs[rateIndex]!);
  const quiet = all.filter((run) => run.otherCores < DISTURBED_CORES);
  return (quiet.length > 0 ? quiet : all).reduce((best, run) => (by(run) < by(best) ? run : best));
}

const user = (run: FanoutRun) => run.userMicros;

/** The gateway with write coalescing off: every event handed to uWS at once, as the relay does. */
const AT_ONCE = { GATEWAY_WRITE_DELAY_MS: '0' };

function row(
  metric: string,
  value: FanoutRun,
  baseline: { label: string; run: FanoutRun },
  goal?: { text: string; ratio: number },
  notes?: string,
): BenchResult {
  const ratio = value.cpuMicros / baseline.run.cpuMicros;
  return {
    metric,
    value: value.cpuMicros,
    unit: 'µs/delivery',
    baseline: { label: baseline.label, value: baseline.run.cpuMicros },
    ratio,
    ...(goal ? { goal: goal.text, met: ratio <= goal.ratio } : {}),
    ...(notes ? { notes } : {}),
  };
}

/**
 * Fan-out of one room to N subscribers at two publish rates: the gateway as it ships (write
 * coalescing engages above GATEWAY_WRITE_DELAY_ABOVE_RATE deliveries/s) and with every event
 * sent at once, against the bare uWS relay (rounds alternate, so a burst of load from other
 * tenants hits all alike) and Socket.IO, plus two relay variants that show what batching does
 * to the cost.
 */
export async function measureFanoutSuite(ctx: BenchContext, env: GatewayBenchEnv): Promise<BenchResult[]> {
  const subscribers = ctx.scale(2_000, 200);
  const rates = [200, 2_000];
  const run = (subject: FanoutSubject, subjectRates = rates) =>
    runFanout(ctx, env, subject, subjectRates, subscribers);
  const gatewayRounds: FanoutRun[][] = [];
  const atOnceRounds: FanoutRun[][] = [];
  const relayRounds: FanoutRun[][] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    gatewayRounds.push(await run(gatewaySubject()));
    atOnceRounds.push(await run(gatewaySubject(AT_ONCE, 'gateway, every event at once')));
    relayRounds.push(await run(relaySubject('direct', 'bare uWS relay')));
  }
  const socketIo = await run(socketIoSubject());
  const batched = await run(relaySubject('immediate', 'relay, setImmediate batch'));
  const perSocket = await run(relaySubject('send', 'relay, ws.send per socket'), [200]);

  const results: BenchResult[] = [];
  const who = `${subscribers.toLocaleString('en-US')} subscribers`;
  rates.forEach((rate, index) => {
    const gateway = cheapest(gatewayRounds, index);
    const atOnce = cheapest(atOnceRounds, index);
    const relay = cheapest(relayRounds, index);
    const perRate = `${rate.toLocaleString('en-US')} msg/s`;
    const rounds = (
      label: string,
      all: FanoutRun[][],
      by: (run: FanoutRun) => number = (run) => run.cpuMicros,
    ) => `${label} rounds: ${all.map((runs) => by(runs[index]!).toFixed(2)).join(', ')} µs`;
    results.push(
      row(
        `Gateway CPU per delivery, as shipped, ${who}, ${perRate} — vs the floor`,
        gateway,
        { label: 'bare uWS relay', run: relay },
        { text: '≤ 1.3× bare uWS relay', ratio: 1.3 },
        `gateway entry: ${gatewayEntry().label}; ${describeRun('gateway', gateway)}; ${describeRun('relay', relay)}; ` +
          `${rounds('gateway', gatewayRounds)}; ${rounds('relay', relayRounds)}`,
      ),
      row(
        `Gateway CPU per delivery, as shipped, ${who}, ${perRate} — vs Socket.IO`,
        gateway,
        { label: 'Socket.IO 4 + redis-adapter', run: socketIo[index]! },
        { text: '≤ 0.2× Socket.IO', ratio: 0.2 },
        describeRun('Socket.IO', socketIo[index]!),
      ),
      row(
        `Gateway with every event sent at once (GATEWAY_WRITE_DELAY_MS=0), ${perRate} — vs the floor`,
        atOnce,
        { label: 'bare uWS relay', run: relay },
        { text: '≤ 1.3× bare uWS relay', ratio: 1.3 },
        `like for like with the relay, which also writes each event at once; ${describeRun('gateway, at once', atOnce)}; ` +
          `${rounds('gateway at once', atOnceRounds)}; vs Socket.IO: ${(atOnce.cpuMicros / socketIo[index]!.cpuMicros).toFixed(2)}×`,
      ),
      {
        // The kernel's share (one write per subscriber per loop turn) swings with the machine's
        // other load; the user-mode share is what the gateway's own code adds.
        metric: `User-mode part of it (JavaScript + uWS), every event at once, ${perRate}`,
        value: cheapest(atOnceRounds, index, user).userMicros,
        unit: 'µs/delivery',
        baseline: {
          label: 'bare uWS relay, user-mode',
          value: cheapest(relayRounds, index, user).userMicros,
        },
        notes: `lowest of the rounds, each side; ${rounds('gateway user', atOnceRounds, user)}; ${rounds('relay user', relayRounds, user)}`,
      },
      row(
        `Relay variant: app.publish batched in one setImmediate, ${perRate}`,
        batched[index]!,
        { label: 'bare uWS relay (app.publish in the Redis callback)', run: relay },
        undefined,
        describeRun('batched relay', batched[index]!),
      ),
    );
  });
  results.push(
    row(
      `Relay variant: ws.send per socket from JS (no uWS topic), 200 msg/s`,
      perSocket[0]!,
      { label: 'bare uWS relay (app.publish)', run: cheapest(relayRounds, 0) },
      undefined,
      describeRun('per-socket relay', perSocket[0]!),
    ),
  );
  return results;
}
