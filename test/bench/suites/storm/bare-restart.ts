import { freePort } from '../../support/child-service.js';
import { crash, type PortServer, startRelayOnPort } from '../../support/storm-processes.js';
import type { StormReport } from '../../support/storm-protocol.js';
import { PeakSampler, type ProcessPeak } from '../../support/storm-sampling.js';
import type { BenchContext } from '../../types.js';
import type { StormEnv } from './storm-env.js';
import { expectEverywhere, mergedReport, openViewers, waitAllLive } from './storm-window.js';

export interface BareStorm {
  liveBefore: number;
  clients: StormReport;
  readyAfterMs: number;
  peak: ProcessPeak;
}

/**
 * The floor: the same number of connections on the bare uWS relay (no auth, no rooms, no
 * history), killed and started again on the same port; each client reconnects with the same
 * back-off and counts as live once its upgrade is answered.
 */
export async function measureBareStorm(ctx: BenchContext, env: StormEnv, count: number): Promise<BareStorm> {
  const port = await freePort();
  const channel = `${env.api.redis.prefix}storm-bare`;
  let relay: PortServer | undefined = await startRelayOnPort(port, env.api.redis.url, channel);
  try {
    ctx.progress(`bare uWS: opening ${count} connections`);
    const target = { host: '127.0.0.1', port, path: '/ws', protocol: 'uws' as const };
    const bare = Array.from({ length: count }, () => ({ rooms: [] }));
    await openViewers(env.viewerWorkers, target, bare, 32);
    await new Promise((resolve) => setTimeout(resolve, ctx.scale(3_000, 1_000)));
    const liveBefore = (await mergedReport(env.viewerWorkers)).liveBefore;
    const sampler = new PeakSampler([{ label: 'bare uWS', pid: () => relay?.pid }]);
    const killedAt = Date.now();
    await crash(relay);
    relay = undefined;
    await expectEverywhere(env.viewerWorkers, { killedAt, tops: {} });
    relay = await startRelayOnPort(port, env.api.redis.url, channel);
    const readyAfterMs = Date.now() - killedAt;
    ctx.progress(`bare uWS: ready again ${readyAfterMs} ms after the kill`);
    await waitAllLive(env.viewerWorkers, killedAt + ctx.scale(60_000, 40_000));
    const [peak] = sampler.stop();
    return { liveBefore, clients: await mergedReport(env.viewerWorkers), readyAfterMs, peak: peak! };
  } finally {
    await Promise.all(env.viewerWorkers.map((worker) => worker.request({ type: 'reset' })));
    await relay?.child.stop();
  }
}
