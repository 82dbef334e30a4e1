import { setTimeout as sleep } from 'node:timers/promises';
import {
  agentsRunningCheck,
  type Check,
  type ClientFigures,
  type CommandFigures,
  commandsCheck,
  convergenceCheck,
  exitsCheck,
  gapsCheck,
  type WriteFigures,
  writesCheck,
} from './checks.js';
import { waitConverged } from './convergence.js';
import type { Fault, FaultOutcome } from './faults.js';
import { FAULT_SETTINGS } from './settings.js';
import type { FaultStack } from './stack.js';

/** One fault's verdicts and the figures docs/reliability.md quotes. */
export interface PhaseResult {
  fault: string;
  title: string;
  passed: boolean;
  startedAt: string;
  durationMs: number;
  /** From the end of the fault to every agent at its desired revision; null when that took over the limit. */
  convergenceMs: number | null;
  commands: CommandFigures;
  writes: WriteFigures;
  clients: ClientFigures;
  readiness: Record<string, string>;
  checks: Check[];
  notes: string[];
}

/** /readyz said 503 during the outage (for the instances it concerns) and 200 after, for every instance. */
async function readinessCheck(stack: FaultStack, outcome: FaultOutcome, from: number): Promise<{ check: Check; story: Record<string, string> }> {
  const names = [...stack.authApis, ...stack.gateways].map((p) => p.name);
  const readyAfter = await stack.readiness.waitFor(names, 200, 15_000);
  const problems: string[] = [];
  for (const name of outcome.outage?.services ?? []) {
    if (!stack.readiness.saw(name, 503, outcome.outage!.start, outcome.outage!.end)) problems.push(`${name} never said 503 during the outage`);
  }
  if (!readyAfter) {
    problems.push(...names.filter((name) => stack.readiness.last(name)?.status !== 200).map((name) => `${name} not 200 15 s after recovery`));
  }
  const story = Object.fromEntries(names.map((name) => [name, stack.readiness.story(name, from, Date.now())]));
  const detail = `${problems.join('; ') || 'ok'}; /readyz: ${Object.entries(story).map(([n, s]) => `${n} ${s}`).join(', ')}`;
  return { check: { name: '/readyz was 503 during the outage and 200 after', ok: problems.length === 0, detail }, story };
}

/**
 * Normal traffic, the fault, then every check. Convergence and command delivery are measured
 * before a killed instance is restarted (the survivors must carry the load), readiness after.
 */
export async function runPhase(stack: FaultStack, fault: Fault): Promise<PhaseResult> {
  const from = Date.now();
  stack.traffic.phase = fault.id;
  stack.traffic.start();
  await sleep(FAULT_SETTINGS.warmupMs);
  let outcome: FaultOutcome;
  try {
    outcome = await fault.inject(stack);
  } finally {
    await stack.traffic.stop();
  }
  const convergence = await waitConverged(stack.api, outcome.recoveredAt, outcome.recoveredAt + FAULT_SETTINGS.convergenceMs);
  const running = agentsRunningCheck(stack);
  const commands = await commandsCheck(stack, from, Math.max(Date.now(), outcome.recoveredAt + FAULT_SETTINGS.commandSettleMs));
  await outcome.restart?.();
  const readiness = await readinessCheck(stack, outcome, from);
  const writes = await writesCheck(stack, convergence.converged);
  await sleep(2_000); // Late events and notices of the fault reach the clients.
  const clients = gapsCheck(stack, from, Date.now());
  const checks = [
    running,
    convergenceCheck(convergence, FAULT_SETTINGS.convergenceMs),
    commands.check,
    writes.check,
    clients.check,
    readiness.check,
    exitsCheck(stack, from),
    ...outcome.checks,
  ];
  return {
    fault: fault.id,
    title: fault.title,
    passed: checks.every((check) => check.ok),
    startedAt: new Date(from).toISOString(),
    durationMs: Date.now() - from,
    convergenceMs: convergence.converged && convergence.ms <= FAULT_SETTINGS.convergenceMs ? convergence.ms : null,
    commands: commands.figures,
    writes: writes.figures,
    clients: clients.figures,
    readiness: readiness.story,
    checks,
    notes: outcome.notes,
  };
}

/**
 * Between phases: whatever a product failure left broken (an exited agent or service) is started
 * again and the fleet given time to settle, so each fault is judged on its own. Returns notes.
 */
export async function heal(stack: FaultStack): Promise<string[]> {
  const notes: string[] = [];
  for (const child of [...stack.authApis, ...stack.gateways, ...stack.fleet.agents.map((a) => a.process)]) {
    if (child.running) continue;
    notes.push(`restarted ${child.name}, which had exited`);
    await child.start().catch((error: unknown) => notes.push(`${child.name} did not start again: ${(error as Error).message}`));
  }
  let now = Date.now();
  const settled = await waitConverged(stack.api, now, now + 10_000);
  // An agent the previous fault left behind (already reported there) is restarted, as a
  // supervisor would, so that it does not fail the next fault's checks as well.
  const behind = stack.fleet.agents.filter((agent) => settled.laggards.some((node) => node.id === agent.nodeId));
  for (const agent of behind) {
    notes.push(`restarted ${agent.name}, left behind the desired revision by the previous fault`);
    await agent.process.stop();
    await agent.process.start();
  }
  now = Date.now();
  const again = behind.length > 0 ? await waitConverged(stack.api, now, now + 20_000) : settled;
  if (!again.converged) notes.push(`fleet not converged before this fault: ${JSON.stringify(again.laggards.slice(0, 5))}`);
  for (let i = 0; i < 100 && stack.clients.some((client) => client.state !== 'open'); i += 1) await sleep(100);
  return notes;
}
