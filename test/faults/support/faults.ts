import { setTimeout as sleep } from 'node:timers/promises';
import type { Check } from './checks.js';
import type { ManagedProcess } from './managed-process.js';
import { FAULT_SETTINGS } from './settings.js';
import type { FaultStack } from './stack.js';
import type { WriteRecord } from './traffic.js';

/** What a fault did, for the checks that follow it. */
export interface FaultOutcome {
  /** When the system had what it needs again (dependency back, instance failed over, agent restarted). */
  recoveredAt: number;
  /** Instances whose /readyz must have said 503 between `start` and `end`. */
  outage?: { start: number; end: number; services: string[] };
  /** Brings back what the fault killed; run after convergence was measured without it. */
  restart?: () => Promise<void>;
  /** Checks only this fault has. */
  checks: Check[];
  notes: string[];
}

export interface Fault {
  id: string;
  title: string;
  inject(stack: FaultStack): Promise<FaultOutcome>;
}

const serviceNames = (stack: FaultStack) => [...stack.authApis, ...stack.gateways].map((p) => p.name);

/** Stops Redis, waits (bounded) for every instance to report it, runs `meanwhile`, starts it empty. */
async function redisDown(stack: FaultStack, meanwhile: () => Promise<void>): Promise<FaultOutcome> {
  const start = Date.now();
  await stack.redis.stop();
  let reported = false;
  try {
    reported = await stack.readiness.waitFor(serviceNames(stack), 503, FAULT_SETTINGS.readinessReactionMs);
    await meanwhile();
  } finally {
    await stack.redis.start();
  }
  const end = Date.now();
  const notes = reported ? [] : [`not every /readyz said 503 within ${FAULT_SETTINGS.readinessReactionMs} ms of Redis stopping`];
  return { recoveredAt: end, outage: { start, end, services: serviceNames(stack) }, checks: [], notes };
}

const redisRestart: Fault = {
  id: 'redis-restart',
  title: 'Redis restarts empty',
  inject: (stack) => redisDown(stack, async () => undefined),
};

const redisOutage: Fault = {
  id: 'redis-outage-30s',
  title: 'Redis is down for 30 s while changes commit',
  inject: (stack) =>
    redisDown(stack, async () => {
      const until = Date.now() + FAULT_SETTINGS.redisOutageMs - FAULT_SETTINGS.readinessReactionMs;
      // The traffic loop keeps committing forwards and commands; a few more go to chosen nodes.
      await stack.traffic.command(FAULT_SETTINGS.offlineAgent, 'wg_show');
      await stack.traffic.createForward(FAULT_SETTINGS.killedAgent);
      await sleep(Math.max(0, until - Date.now()));
    }),
};

const postgresRestart: Fault = {
  id: 'postgres-restart',
  title: 'Postgres restarts',
  async inject(stack) {
    const auth = stack.authApis.map((p) => p.name);
    // Changes commit just before the stop: their announcements reach agents that then find the
    // database gone when they fetch the new config, and must fetch again once it is back.
    const before = stack.traffic.writes.length;
    const changes = Promise.all([0, 1, 2, 3, 4].map(() => stack.traffic.createForward()));
    for (let i = 0; i < 400 && !stack.traffic.writes.slice(before).some((w) => w.status === 201); i += 1) await sleep(5);
    const start = Date.now();
    await stack.pg.stop('fast');
    await changes;
    let reported = false;
    let stopped = Date.now();
    let restarting = stopped;
    const during: WriteRecord[] = [];
    try {
      reported = await stack.readiness.waitFor(auth, 503, FAULT_SETTINGS.readinessReactionMs);
      stopped = Date.now();
      during.push(await stack.traffic.createForward(), await stack.traffic.createForward());
      restarting = Date.now();
    } finally {
      await stack.pg.start();
    }
    const end = Date.now();
    // Answers given while the database was surely down; a write that waited and then succeeded is fine.
    const outageWrites = stack.traffic.writes.filter((w) => w.at >= stopped && w.at <= restarting);
    const wrong = (w: { status: number; retryAfter: string | null }) => w.status >= 500 && (w.status !== 503 || !w.retryAfter);
    const check: Check = {
      name: 'writes while Postgres is away answer 503 service_unavailable with Retry-After (CONTRACT §2)',
      ok: during.every((w) => w.status === 503 && w.retryAfter) && !outageWrites.some(wrong),
      detail: `answers during the outage: ${outageWrites.map((w) => `${w.status || 'no answer'}${w.retryAfter ? ` (Retry-After ${w.retryAfter})` : ''}`).join(', ')}`,
    };
    const notes = reported ? [] : ['not every auth-api /readyz said 503 within 10 s of Postgres stopping'];
    return { recoveredAt: end, outage: { start, end, services: auth }, checks: [check], notes };
  },
};

/** The instance holding more connections through the proxy: killing it hurts most. */
function busiest(instances: ManagedProcess[], connections: Map<number, number>): ManagedProcess {
  const port = (p: ManagedProcess) => Number(new URL(p.spec.healthUrl!).port);
  return [...instances].sort((a, b) => (connections.get(port(b)) ?? 0) - (connections.get(port(a)) ?? 0))[0]!;
}

const gatewayKill: Fault = {
  id: 'gateway-sigkill',
  title: 'a gateway is SIGKILLed (and restarted after)',
  async inject(stack) {
    const victim = busiest(stack.gateways, stack.gatewayProxy.connections());
    const held = stack.gatewayProxy.connections().get(Number(new URL(victim.spec.healthUrl!).port)) ?? 0;
    await victim.kill();
    return { recoveredAt: Date.now(), restart: () => victim.start(), checks: [], notes: [`killed ${victim.name}, which held ${held} connections`] };
  },
};

const authKill: Fault = {
  id: 'auth-api-sigkill-burst',
  title: 'an auth-api is SIGKILLed during a write burst (and restarted after)',
  async inject(stack) {
    const victim = busiest(stack.authApis, stack.authProxy.connections());
    const before = stack.traffic.writes.length;
    const burst = Promise.all(
      Array.from({ length: 30 }, (_, i) => (i % 3 === 0 ? stack.traffic.command() : stack.traffic.createForward())),
    );
    // Kill once the burst is under way: some answers are in, the rest are in flight.
    for (let i = 0; i < 100 && stack.traffic.writes.length < before + 3; i += 1) await sleep(5);
    await victim.kill();
    const recoveredAt = Date.now();
    await burst;
    return { recoveredAt, restart: () => victim.start(), checks: [], notes: [`killed ${victim.name} during a burst of 30 writes`] };
  },
};

const agentKill: Fault = {
  id: 'agent-sigkill-mid-apply',
  title: 'an agent is SIGKILLed mid-apply (and restarted)',
  async inject(stack) {
    const agent = stack.fleet.byIndex(FAULT_SETTINGS.killedAgent);
    await stack.traffic.command(agent.index, 'wg_show');
    await sleep(1_000);
    // Three changes to its node at once; the agent dies while it fetches and applies them.
    const changes = Promise.all([0, 1, 2].map(() => stack.traffic.createForward(agent.index)));
    for (let i = 0; i < 200 && !stack.traffic.writes.some((w) => w.nodeId === agent.nodeId && w.status === 201 && w.at > Date.now() - 2_000); i += 1) await sleep(5);
    await sleep(Math.floor(Math.random() * 30));
    const appliedAtKill = stack.fleet.appliedRevision.get(agent.nodeId);
    await agent.process.kill();
    const desired = (await stack.api.nodes())?.find((node) => node.id === agent.nodeId)?.desired_revision;
    await changes;
    await stack.traffic.command(agent.index, 'reconcile');
    await sleep(1_000);
    await agent.process.start();
    const state = `it had logged revision ${appliedAtKill} applied, its node's desired revision was ${desired}`;
    return { recoveredAt: Date.now(), checks: [], notes: [`killed and restarted ${agent.name} (node ${agent.nodeId}); at the kill ${state}`] };
  },
};

const agentOffline: Fault = {
  id: 'agent-offline-queued-commands',
  title: 'an agent is offline while commands are queued for it',
  async inject(stack) {
    const agent = stack.fleet.byIndex(FAULT_SETTINGS.offlineAgent);
    await agent.process.stop();
    await sleep(1_000);
    for (const type of ['ping', 'wg_show', 'reconcile', 'wg_show'] as const) await stack.traffic.command(agent.index, type);
    await stack.traffic.createForward(agent.index);
    await sleep(5_000);
    await agent.process.start();
    return { recoveredAt: Date.now(), checks: [], notes: [`${agent.name} (node ${agent.nodeId}) was stopped for ~7 s with 4 commands queued`] };
  },
};

/** In the issue's order; each leaves the system whole for the next. */
export const FAULTS: Fault[] = [redisRestart, redisOutage, postgresRestart, gatewayKill, authKill, agentKill, agentOffline];
