import { RedisBus } from '@wirefleet/shared/bus';
import {
  authApiRequests,
  PeakSampler,
  type ProcessPeak,
  pgTransactions,
  requestDelta,
} from '../../support/storm-sampling.js';
import { crash, type PortServer, startGatewayOnPort } from '../../support/storm-processes.js';
import type { StormReport } from '../../support/storm-protocol.js';
import type { BenchContext } from '../../types.js';
import type { StormEnv } from './storm-env.js';
import { expectEverywhere, mergedReport, openViewers, redisPid, waitAllLive } from './storm-window.js';

/** Events published to `fleet` while the gateway is down (one more to every node room). */
const FLEET_EVENTS_DURING_OUTAGE = 3;

export interface GatewayStorm {
  /** Clients live on the first gateway just before the kill. */
  liveBefore: number;
  viewers: StormReport;
  agents: StormReport;
  /** From the kill until the restarted gateway answered /readyz, ms. */
  readyAfterMs: number;
  peaks: ProcessPeak[];
  /** Auth-api requests during the storm by `METHOD route status`. */
  requests: Map<string, number>;
  pg: { commits: number; rollbacks: number };
  gatewayErrors: string[];
  deadlineMs: number;
}

/** Publishes into every followed room while no gateway runs; returns each room's new top. */
async function publishDuringOutage(env: StormEnv): Promise<Record<string, string>> {
  const bus = new RedisBus({ url: env.api.redis.url, keyPrefix: env.api.redis.prefix });
  try {
    const tops: Record<string, string> = {};
    for (let index = 0; index < FLEET_EVENTS_DURING_OUTAGE; index += 1)
      tops.fleet = (await bus.publish('fleet', 'bench.outage', { index })).offset;
    const nodeRooms = env.rooms.filter((room) => room !== 'fleet');
    const published = await Promise.all(nodeRooms.map((room) => bus.publish(room, 'bench.outage', { room })));
    for (const event of published) tops[event.room] = event.offset;
    return tops;
  } finally {
    await bus.close();
  }
}

/** Waits (at most 90 s) until the auth-api served nothing for 2 s: the agents' start is over. */
async function authApiQuiet(url: string): Promise<void> {
  const deadline = Date.now() + 90_000;
  let last = await authApiRequests(url);
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const now = await authApiRequests(url);
    if (requestDelta(last, now).size === 0) return;
    last = now;
  }
}

async function connectEveryone(ctx: BenchContext, env: StormEnv): Promise<void> {
  const gatewayUrl = `ws://127.0.0.1:${env.port}/ws`;
  ctx.progress(`starting ${env.agents.length} agents (memory dataplane, client library)`);
  const started = await env.agentHost.request({
    type: 'start-agents',
    apiUrl: env.api.url,
    gatewayUrl,
    networkCidr: env.networkCidr,
    agents: env.agents,
  });
  if (started.type !== 'opened' || started.open < env.agents.length) {
    const logged = started.type === 'opened' ? JSON.stringify(started.failures) : '';
    throw new Error(
      `only ${started.type === 'opened' ? started.open : 0} of ${env.agents.length} agents went live (${logged})`,
    );
  }
  ctx.progress(`opening ${env.viewers.length} viewers (fleet + node rooms each)`);
  const target = { host: '127.0.0.1', port: env.port, path: '/ws', protocol: 'wirefleet' as const };
  await openViewers(env.viewerWorkers, target, env.viewers, 32);
}

/**
 * One gateway with every viewer and agent on it is SIGKILLed (a crash: no close frames), events
 * are published into every room while it is down, and it is started again on the same port.
 * Measured from the kill until every client is live again with its rooms recovered.
 */
export async function measureGatewayStorm(ctx: BenchContext, env: StormEnv): Promise<GatewayStorm> {
  let gateway: PortServer | undefined = await startGatewayOnPort(env.port, env.gatewayEnv);
  const first = gateway;
  try {
    await connectEveryone(ctx, env);
    await authApiQuiet(env.api.url);
    const liveBefore = (await mergedReport([...env.viewerWorkers, env.agentHost])).liveBefore;
    const redis = await redisPid(env.api.redis.url);
    const requestsBefore = await authApiRequests(env.api.url);
    const pgBefore = await pgTransactions(env.api.db.knex);
    const sampler = new PeakSampler([
      { label: 'gateway', pid: () => gateway?.pid },
      { label: 'Redis', pid: () => redis },
      { label: 'auth-api', pid: () => env.api.pid },
    ]);
    ctx.progress('killing the gateway (SIGKILL) and publishing into every room');
    const killedAt = Date.now();
    await crash(first);
    gateway = undefined;
    const tops = await publishDuringOutage(env);
    const everyone = [...env.viewerWorkers, env.agentHost];
    await expectEverywhere(everyone, { killedAt, tops });
    const restarted = await startGatewayOnPort(env.port, env.gatewayEnv);
    gateway = restarted;
    const readyAfterMs = Date.now() - killedAt;
    ctx.progress(`gateway ready again ${readyAfterMs} ms after the kill; waiting for every client`);
    const deadlineMs = ctx.scale(60_000, 40_000);
    await waitAllLive(everyone, killedAt + deadlineMs);
    // Let the agents' catch-up requests that follow their welcome finish inside the window.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const peaks = sampler.stop();
    const [viewers, agents] = [await mergedReport(env.viewerWorkers), await env.agentHost.report()];
    return {
      liveBefore,
      viewers,
      agents,
      readyAfterMs,
      peaks,
      requests: requestDelta(requestsBefore, await authApiRequests(env.api.url)),
      pg: await pgTransactions(env.api.db.knex).then((after) => ({
        commits: after.commits - pgBefore.commits,
        rollbacks: after.rollbacks - pgBefore.rollbacks,
      })),
      gatewayErrors: [...first.errorLines(), ...restarted.errorLines()],
      deadlineMs,
    };
  } finally {
    await env.agentHost.close();
    await Promise.all(env.viewerWorkers.map((worker) => worker.request({ type: 'reset' })));
    await gateway?.child.stop();
  }
}
