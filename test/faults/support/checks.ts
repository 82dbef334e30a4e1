import type { Convergence } from './convergence.js';
import { waitCommandsSettled } from './convergence.js';
import { silentGaps } from './gap-analysis.js';
import type { FaultStack } from './stack.js';
import type { CommandRecord } from './traffic.js';

/** One assertion of a phase: its verdict and the evidence behind it. */
export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

const list = (items: unknown[], max = 8) =>
  items.length === 0 ? 'none' : `${items.slice(0, max).map((item) => (typeof item === 'string' ? item : JSON.stringify(item))).join('; ')}${items.length > max ? ` … (${items.length} in all)` : ''}`;

export function agentsRunningCheck(stack: FaultStack): Check {
  const down = stack.fleet.agents.filter((agent) => !agent.process.running);
  const why = down.map((agent) => {
    const exit = stack.exits.filter((e) => e.name === agent.name).at(-1);
    return `${agent.name} (node ${agent.nodeId}) exited ${exit ? `code ${exit.code} signal ${exit.signal}; last lines: ${exit.tail.split('\n').slice(-3).join(' | ')}` : ''}`;
  });
  return { name: 'every agent process still runs', ok: down.length === 0, detail: `not running: ${list(why)}` };
}

export function convergenceCheck(convergence: Convergence, limitMs: number): Check {
  return {
    name: `every agent reaches its node's desired_revision within ${limitMs / 1000} s`,
    ok: convergence.converged && convergence.ms <= limitMs,
    detail: convergence.converged ? `converged after ${convergence.ms} ms` : `behind after ${convergence.ms} ms: ${list(convergence.laggards)}`,
  };
}

export interface CommandFigures {
  acknowledged: number;
  ran: number;
  lost: number;
  duplicated: number;
  expired: number;
  /** Ran in the agent, but GET /v1/commands/:id never said succeeded/failed. */
  unreported: number;
  /** Simulated `ping` that failed (the memory backend must not spawn a host tool, CONTRACT §7). */
  pingFailures: number;
  /** Commands whose POST got no answer but that exist (GET /v1/nodes/:id/commands): checked too. */
  unacknowledgedFound: number;
}

/**
 * The commands of a phase: those the API acknowledged, plus those created although their POST
 * got no answer (an instance killed mid-request), found in the nodes' command lists.
 */
async function phaseCommands(stack: FaultStack, from: number): Promise<{ commands: CommandRecord[]; found: number }> {
  const commands = stack.traffic.commands.filter((c) => c.at >= from && c.id !== undefined);
  const known = new Set(commands.map((c) => c.id));
  const unanswered = new Set(stack.traffic.commands.filter((c) => c.at >= from && c.status === 0).map((c) => c.nodeId));
  let found = 0;
  for (const nodeId of unanswered) {
    for (const view of (await stack.api.nodeCommands(nodeId)) ?? []) {
      if (known.has(view.id) || Date.parse(view.created_at) < from) continue;
      commands.push({ id: view.id, nodeId, type: view.type, status: 0, at: Date.parse(view.created_at), phase: 'unacknowledged' });
      found += 1;
    }
  }
  return { commands, found };
}

/**
 * Every command acknowledged since `from` ran exactly once, counted in the agents' own logs, and
 * its status ended succeeded/failed; any id an agent logged more than once since `from` (even one
 * whose POST got no answer) is a duplicate.
 */
export async function commandsCheck(stack: FaultStack, from: number, deadline: number): Promise<{ check: Check; figures: CommandFigures }> {
  const { commands: issued, found } = await phaseCommands(stack, from);
  const views = await waitCommandsSettled(stack.api, issued.map((c) => c.id!), deadline);
  const lost: string[] = [];
  const unreported: string[] = [];
  let expired = 0;
  let pingFailures = 0;
  for (const command of issued) {
    const runs = stack.fleet.runsOf(command.id!).filter((run) => run.nodeId === command.nodeId).length;
    const view = views.get(command.id!);
    if (view?.status === 'expired') expired += 1;
    if (runs === 0 && view?.status !== 'expired') lost.push(`${command.id} (${command.type} → node ${command.nodeId}, status ${view?.status ?? 'unknown'})`);
    if (runs > 0 && view?.status !== 'succeeded' && view?.status !== 'failed') unreported.push(`${command.id} (status ${view?.status ?? 'unknown'})`);
    if (command.type === 'ping' && view?.status === 'failed') pingFailures += 1;
  }
  const counts = new Map<string, number>();
  for (const run of stack.fleet.runs.filter((r) => r.at >= from)) counts.set(run.id, (counts.get(run.id) ?? 0) + 1);
  for (const run of stack.fleet.runs.filter((r) => r.at < from && counts.has(r.id))) counts.set(run.id, counts.get(run.id)! + 1);
  const duplicated = [...counts].filter(([, n]) => n > 1).map(([id, n]) => `${id} ran ${n}×`);
  const figures = {
    acknowledged: issued.length - found,
    ran: issued.length - lost.length,
    lost: lost.length,
    duplicated: duplicated.length,
    expired,
    unreported: unreported.length,
    pingFailures,
    unacknowledgedFound: found,
  };
  const ok = lost.length === 0 && duplicated.length === 0 && unreported.length === 0;
  const detail = `${issued.length - found} acknowledged, ${found} created without an answer; never ran: ${list(lost)}; ran more than once: ${list(duplicated)}; ran but status not succeeded/failed: ${list(unreported)}`;
  return { check: { name: 'every command that had not expired ran exactly once and shows succeeded/failed', ok, detail }, figures };
}

export interface WriteFigures {
  acknowledged: number;
  lost: number;
  uncertain: number;
}

/** Every 2xx create/delete is in the API's final state, and in the config each agent applied. */
export async function writesCheck(stack: FaultStack, converged: boolean): Promise<{ check: Check; figures: WriteFigures }> {
  const expected = stack.traffic.expectedForwards();
  const problems: string[] = [];
  for (const agent of stack.fleet.agents) {
    const listed = await stack.api.forwards(agent.nodeId);
    if (!listed) {
      problems.push(`node ${agent.nodeId}: GET port-forwards did not answer 200`);
      continue;
    }
    const ports = new Set(listed.map((forward) => forward.public_port));
    const present = expected.present.get(agent.nodeId) ?? new Set();
    const uncertain = expected.uncertain.get(agent.nodeId) ?? new Set();
    for (const port of present) if (!ports.has(port)) problems.push(`node ${agent.nodeId}: acknowledged forward tcp:${port} is missing`);
    for (const port of expected.absent.get(agent.nodeId) ?? []) if (ports.has(port)) problems.push(`node ${agent.nodeId}: deleted forward tcp:${port} is back`);
    for (const port of ports) if (!present.has(port) && !uncertain.has(port)) problems.push(`node ${agent.nodeId}: tcp:${port} was never acknowledged`);
    const applied = converged ? stack.fleet.appliedForwards(agent) : undefined;
    const want = listed.map((forward) => `${forward.protocol}:${forward.public_port}`).sort();
    if (applied && applied.join() !== want.join()) problems.push(`node ${agent.nodeId}: agent applied [${applied}] but the API lists [${want}]`);
  }
  const acknowledged = stack.traffic.writes.filter((w) => w.status === 201 || w.status === 204).length;
  const uncertain = [...expected.uncertain.values()].reduce((n, set) => n + set.size, 0);
  const lost = problems.filter((p) => p.includes('missing') || p.includes('is back')).length;
  return {
    check: { name: 'no acknowledged write was lost (API and applied configs)', ok: problems.length === 0, detail: `${acknowledged} acknowledged writes so far; problems: ${list(problems)}` },
    figures: { acknowledged, lost, uncertain },
  };
}

export interface ClientFigures {
  gaps: number;
  silentGaps: number;
  clientsWithSilentGap: number;
  repeats: number;
  resetNotices: number;
  /** Of those, the ones the gateway sent on its own (no `id`): continuity lost on an open connection. */
  unsolicitedNotices: number;
  events: number;
}

/** Each client saw every offset of each room once, or was told `recovered:false` for that room. */
export function gapsCheck(stack: FaultStack, from: number, to: number): { check: Check; figures: ClientFigures } {
  const figures: ClientFigures = { gaps: 0, silentGaps: 0, clientsWithSilentGap: 0, repeats: 0, resetNotices: 0, unsolicitedNotices: 0, events: 0 };
  const problems: string[] = [];
  for (const client of stack.clients) {
    const analysis = client.analyze();
    const silent = silentGaps(analysis, from, to);
    const repeats = analysis.repeats.filter((r) => r.at >= from && r.at <= to);
    figures.gaps += analysis.gaps.filter((g) => g.at >= from && g.at <= to).length;
    figures.silentGaps += silent.length;
    figures.clientsWithSilentGap += silent.length > 0 || repeats.length > 0 ? 1 : 0;
    figures.repeats += repeats.length;
    const notices = analysis.notices.filter((n) => n.at >= from && n.at <= to);
    figures.resetNotices += notices.length;
    figures.unsolicitedNotices += notices.filter((n) => !n.solicited).length;
    figures.events += client.log.filter((e) => e.kind === 'event' && e.t >= from && e.t <= to).length;
    problems.push(...silent.map((g) => `${g.client} ${g.room}: ${g.after} then ${g.next}${g.missing === undefined ? ' (new epoch)' : ` (${g.missing} missing)`}, no recovered:false`));
    problems.push(...repeats.map((r) => `${r.client} ${r.room}: ${r.offset} delivered again`));
    if (client.state !== 'open') problems.push(`${client.name} is ${client.state}, not connected`);
  }
  return { check: { name: 'every client saw no gap, or got recovered:false for that room', ok: problems.length === 0, detail: list(problems) }, figures };
}

export function exitsCheck(stack: FaultStack, from: number): Check {
  const unexpected = stack.exits.filter((exit) => !exit.expected && exit.at >= from);
  const detail = unexpected.map((e) => `${e.name} exited (code ${e.code}, signal ${e.signal}); last lines: ${e.tail.split('\n').slice(-3).join(' | ')}`);
  return { name: 'no service or agent exited unless the suite stopped it', ok: unexpected.length === 0, detail: list(detail, 5) };
}
